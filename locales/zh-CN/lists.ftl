### 管理员列表：匿名评价的全部受邀人，以及 CSV 预览中被拒绝的行。

lists-anonymous-title = 匿名评价：全部受邀人
lists-anonymous-hint = 同事、下属和匿名客户评价的受邀人一律以相同方式列出，无论其已作答、已放弃还是尚未作答：从本页无法看出谁已作答。新链接只会发送到评价最初发往的邮箱地址，且仅在评价仍开放时发送；已提交的回答会保留。
lists-asked = 已邀请 { $n } 人
lists-nobody-asked = 本周期没有邀请任何人参加匿名评价。
lists-reissue-if-open = 如仍开放，通过邮件发送新链接
lists-reissued-if-open = 如果此评价仍开放，新链接正发往其最初的邮箱地址。已提交的回答会保留。
lists-rows-refused-one = 1 行被拒绝。
lists-rows-refused = { $n } 行被拒绝。
