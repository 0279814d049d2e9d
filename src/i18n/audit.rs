//! The audit log as a 中文 page reads it: each action's name, the kind of thing it names, and
//! who did it. English pages show the stored names (`revoke invitations`); the API always does.
use crate::domain::Locale;

/// An action's name for `locale`; a name this version does not know is shown as stored.
pub fn action(locale: Locale, name: &str) -> String {
    let zh = match name {
        "import_people" => "导入人员",
        "import_customers" => "导入客户",
        "email_changed" => "更改邮箱",
        "deactivated" => "停用人员",
        "edit_person" => "编辑人员",
        "save_survey" => "保存问卷",
        "save_cycle" => "保存考核周期",
        "close_cycle" => "结束考核周期",
        "set_weights_by_role" => "按角色设置权重",
        "create_invitations" => "创建邀请",
        "launch" => "发起 360 度评价",
        "remind" => "发送提醒",
        "remind_person" => "提醒个人",
        "revoke_invitations" => "撤销邀请",
        "reissue_invitations" => "重新发送邀请",
        "approve_nominations" => "批准评价人名单",
        "share_feedback" => "分享反馈",
        "create_api_key" => "创建 API 密钥",
        "revoke_api_key" => "撤销 API 密钥",
        "grant_admin" => "授予管理员权限",
        "remove_admin" => "移除管理员权限",
        "sign_out" => "结束登录会话",
        "create_webhook" => "添加 Webhook",
        "delete_webhook" => "删除 Webhook",
        "test_webhook" => "测试 Webhook",
        "save_schedule" => "保存定期考核",
        "delete_schedule" => "删除定期考核",
        "export_person" => "导出个人数据",
        "export_customer" => "导出客户数据",
        "erase_customer" => "删除客户数据",
        "retention_sweep" => "按保留期限清理",
        "scim_create_person" => "SCIM 创建人员",
        "scim_replace_person" => "SCIM 替换人员",
        "scim_patch_person" => "SCIM 修改人员",
        "scim_deactivate_person" => "SCIM 停用人员",
        _ => "",
    };
    match (locale, zh) {
        (Locale::ZhCn, zh) if !zh.is_empty() => zh.to_string(),
        _ => name.replace('_', " "),
    }
}

/// What an entry names (`person E1001`, `people`), its kind in `locale`'s words.
pub fn target(locale: Locale, stored: &str) -> String {
    if locale == Locale::En {
        return stored.to_string();
    }
    let (kind, rest) = stored.split_once(' ').unwrap_or((stored, ""));
    let word = match kind {
        "person" | "people" => "人员",
        "customer" | "customers" => "客户",
        "key" => "API 密钥",
        "cycle" => "考核周期",
        "survey" => "问卷",
        "webhook" => "Webhook",
        "schedule" => "定期考核",
        _ => return stored.to_string(),
    };
    if rest.is_empty() { word.to_string() } else { format!("{word} {rest}") }
}

/// Who did it: a person's id, an API key's name, the console or the server itself.
pub fn actor(locale: Locale, kind: &str, name: &str) -> String {
    match (locale, kind) {
        (Locale::En, "api_key") => format!("API key {name}"),
        (Locale::ZhCn, "api_key") => format!("API 密钥 {name}"),
        (Locale::ZhCn, "cli") => "命令行".to_string(),
        (Locale::ZhCn, "system") => "系统".to_string(),
        _ => name.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_and_actors_in_chinese() {
        assert_eq!(target(Locale::ZhCn, "person E1001"), "人员 E1001");
        assert_eq!(target(Locale::ZhCn, "people"), "人员");
        assert_eq!(target(Locale::En, "person E1001"), "person E1001");
        assert_eq!(actor(Locale::ZhCn, "api_key", "okta"), "API 密钥 okta");
        assert_eq!(action(Locale::ZhCn, "closed"), "closed", "a name this version does not know");
    }
}
