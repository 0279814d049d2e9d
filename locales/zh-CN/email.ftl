### 邮件：主题和正文段落。各类邮件的版式见 templates/email/<kind>.txt 和 .html。

## Every email
email-greeting = { $name }，您好：
email-unsubscribe = 不想再收到这类邮件？点此退订：

## Invitations and reminders
invitation-subject-customer = { $subject } 希望听到您的反馈 — { $cycle }
invitation-subject-review = 请评价 { $subject } — { $cycle }
invitation-subject-self = 您的自我评估 — { $cycle }
invitation-subject-many = 您在{ $cycle }有 { $count } 份评价待完成
invitation-reminder = 提醒：
invitation-button = 填写问卷
invitation-personal = 此链接仅供您本人使用，请勿转发。有效期至 { $until }。

## A sign-in link
login-subject = 登录 Candor
login-greeting = { $name }，
login-body = 登录 Candor
login-expiry = 登录链接只能使用一次，15 分钟内有效。请重新获取。

## Choose your reviewers
nomination-subject = 请选择{ $cycle }的评价人
nomination-body = 请为{ $cycle }选择 { $min }–{ $max } 位了解您工作的同事。经理批准名单后，每位同事都会收到一份匿名同事评价。
nomination-action = 登录后即可选择（此链接只能使用一次，15 分钟内有效）：
nomination-later = 之后也可以打开 { $later }，用工作邮箱登录。

## Your results are ready
results-subject = 您的{ $cycle }结果已出
results-body = { $cycle }的结果已出：各项指标得分，以及同事和客户的评语（只在回答人数足够时显示）。
results-action = 登录查看您的报告：
results-report = 登录后，您的报告在：

## To the old address, when an email address was changed
address-changed-subject = 您的邮箱地址已被更改
address-changed-body = { $org }为您登记的邮箱地址已从本地址改为另一个地址。今后的登录链接和新的邀请将发送到新地址。已经发给您的评价仍留在本地址，只能从这里填写。
address-changed-warning = 如果这不是您本人要求的更改，请告知人力资源部门。
