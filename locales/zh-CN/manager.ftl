### 登录、导航和团队看板。

dash-login-title = 登录
dash-login-intro = 请输入您的工作邮箱，我们会向您发送登录链接。
dash-email-label = 工作邮箱
dash-send-link = 发送登录链接
dash-link-sent = 如果此地址属于 Candor 中的用户，登录链接已发出。链接只能使用一次，15 分钟内有效。
dash-sign-in-title = 登录 Candor
dash-sign-in-button = 登录
dash-link-dead-title = 此登录链接已失效
dash-link-dead-body = 登录链接只能使用一次，15 分钟内有效。请重新获取。
dash-sign-out = 退出
dash-nav-dashboard = 我的团队
dash-nav-me = 我的主页
dash-nav-followups = 客户回访
dash-nav-admin = 管理
dash-dashboard-title = 团队指标
dash-cycle-label = 考核周期
dash-show = 显示
dash-no-cycles = 还没有考核周期。
dash-person = 人员
dash-team = 团队
dash-responses = 回答数
dash-withheld = 暂不显示
dash-why-open = 考核结束后公布
dash-upload-limit = CSV 文件，最大 16 MiB，UTF-8 编码，第一行为表头。
dash-upload-unreadable = 无法读取上传的文件：是否超过 16 MiB，或不是 UTF-8 文本？
dash-cross-site-body = 此登录请求来自其他网站，已被拒绝。请直接打开邮件中的链接。
dash-too-small = 以下匿名评价组的人数永远达不到最低要求，结果将一直不显示（已邀请 / 所需）：
dash-why-below = 评价人数不足
dash-why-no-data = 暂无回答
dash-withheld-note = 暂不显示：匿名回答仅在考核结束后、且评价人数达到最低要求时才显示。
dash-no-one = 此周期没有可显示的人员。
dash-status-open = 进行中
dash-period-label = 考核期间（汇总已结束的周期）
dash-status-closed = 已结束
dash-by-relation = 按评价关系
dash-relation = 评价关系
dash-score = 得分
dash-interval = 95% 置信区间
dash-self-gap = 自评减他评
dash-trend = 各周期趋势
dash-trend-monthly = 月度考核趋势
dash-trend-quarterly = 季度考核趋势
dash-trend-yearly = 年度考核趋势
dash-distribution = 回答分布
dash-comments = 评语
dash-no-comments = 暂无可显示的评语。
dash-chart-team = 团队得分

## Indicator names for people; an indicator without one is shown as named (teamwork_v2 → teamwork v2)
indicator-customer-satisfaction = 客户满意度
indicator-teamwork = 团队协作
indicator-communication = 沟通能力

## The groups of a report, by relation
relation-customer = 客户
relation-self = 自我评估
relation-manager = 上级评价
relation-peer = 同事评价
relation-direct-report = 下属评价
