### 审计日志页面的用语：操作名称、对象类型和操作人。

## Actions
audit-action-import-people = 导入人员
audit-action-import-customers = 导入客户
audit-action-email-changed = 更改邮箱
audit-action-deactivated = 停用人员
audit-action-edit-person = 编辑人员
audit-action-save-survey = 保存问卷
audit-action-save-cycle = 保存考核周期
audit-action-close-cycle = 结束考核周期
audit-action-set-weights-by-role = 按角色设置权重
audit-action-create-invitations = 创建邀请
audit-action-launch = 发起 360 度评价
audit-action-remind = 发送提醒
audit-action-remind-person = 提醒个人
audit-action-revoke-invitations = 撤销邀请
audit-action-reissue-invitations = 重新发送邀请
audit-action-approve-nominations = 批准评价人名单
audit-action-share-feedback = 分享反馈
audit-action-create-api-key = 创建 API 密钥
audit-action-revoke-api-key = 撤销 API 密钥
audit-action-grant-admin = 授予管理员权限
audit-action-remove-admin = 移除管理员权限
audit-action-sign-out = 结束登录会话
audit-action-create-webhook = 添加 Webhook
audit-action-delete-webhook = 删除 Webhook
audit-action-test-webhook = 测试 Webhook
audit-action-save-schedule = 保存定期考核
audit-action-delete-schedule = 删除定期考核
audit-action-export-person = 导出个人数据
audit-action-export-customer = 导出客户数据
audit-action-erase-customer = 删除客户数据
audit-action-retention-sweep = 按保留期限清理
audit-action-scim-create-person = SCIM 创建人员
audit-action-scim-replace-person = SCIM 替换人员
audit-action-scim-patch-person = SCIM 修改人员
audit-action-scim-deactivate-person = SCIM 停用人员

## Targets
audit-target-person = 人员
audit-target-people = 人员
audit-target-customer = 客户
audit-target-customers = 客户
audit-target-key = API 密钥
audit-target-cycle = 考核周期
audit-target-survey = 问卷
audit-target-webhook = Webhook
audit-target-schedule = 定期考核

## Who did it
audit-actor-api-key = API 密钥 { $name }
audit-actor-cli = 命令行
audit-actor-system = 系统
