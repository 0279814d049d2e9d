### What every page and email shares: the language itself and its punctuation. A text that
### joins a label and a value, or lists names, takes these from here, never writes its own.

lang = en
# The other language, as the switch at the top of a page names it.
other-lang = zh-CN
other-lang-name = 中文
# Between a label and its value: "Sales: Li Na".
colon = :{" "}
# Between names in a list.
list-sep = ,{" "}
