### 所有页面和邮件共用的语言信息与标点。

lang = zh-CN
other-lang = en
other-lang-name = English
# 标签与内容之间：“销售：李娜”。
colon = ：
list-sep = 、
