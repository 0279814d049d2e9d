### 按组织所在时区显示的日期和时间。

## Monday first
calendar-weekdays-1 = 星期一
calendar-weekdays-2 = 星期二
calendar-weekdays-3 = 星期三
calendar-weekdays-4 = 星期四
calendar-weekdays-5 = 星期五
calendar-weekdays-6 = 星期六
calendar-weekdays-7 = 星期日

## January first: the month as a date writes it (年 1 月)
calendar-months-1 = 1
calendar-months-2 = 2
calendar-months-3 = 3
calendar-months-4 = 4
calendar-months-5 = 5
calendar-months-6 = 6
calendar-months-7 = 7
calendar-months-8 = 8
calendar-months-9 = 9
calendar-months-10 = 10
calendar-months-11 = 11
calendar-months-12 = 12

## A day and a moment
calendar-date = { $year }年{ $month }月{ $day }日（{ $weekday }）
calendar-date-time = { $date }{ $time }（{ $zone }）
