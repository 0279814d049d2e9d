### 评价流程各步骤的邮件通知：主题、发生了什么、以及链接页面上要做的事。

## Feedback shared
notice-feedback-shared-subject = { $author }分享了对您{ $cycle }结果的反馈
notice-feedback-shared-body = { $author }分享了对您{ $cycle }结果的反馈，包括优点、待改进之处和下一步计划。
notice-feedback-shared-action = 请登录阅读并确认（可附回复）：

## Feedback amended
notice-feedback-amended-subject = { $author }修改了对您{ $cycle }结果的反馈
notice-feedback-amended-body = { $author }修改了已分享的、对您{ $cycle }结果的反馈，页面上会标明“已修改”。
notice-feedback-amended-action = 请登录阅读：

## Feedback acknowledged
notice-feedback-acknowledged-subject = { $subject }已确认您的反馈（{ $cycle }）
notice-feedback-acknowledged-body = { $subject }已确认您对其{ $cycle }结果分享的反馈。
notice-feedback-acknowledged-action = 如有回复，请登录查看：

## Reviewers waiting for approval
notice-nomination-submitted-subject = { $subject }已选好{ $cycle }的评价人，等待您批准
notice-nomination-submitted-body = { $subject }已选好在{ $cycle }中评价自己的同事。请检查名单，必要时修改，然后批准：每位同事随后会收到匿名同事评价邀请。
notice-nomination-submitted-action = 请登录批准：

## Reviewers approved
notice-nomination-approved-subject = 您在{ $cycle }的评价人名单已获批准
notice-nomination-approved-body = 您在{ $cycle }的评价人名单已获批准，每位同事都已收到匿名同事评价邀请。任何人（包括您的经理）都看不到谁回答了什么。
notice-nomination-approved-action = 您的主页：
