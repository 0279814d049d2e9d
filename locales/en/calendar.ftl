### Days and clock times as people read them, on the organisation's calendar (CONTRACT §15).

## Monday first
calendar-weekdays-1 = Monday
calendar-weekdays-2 = Tuesday
calendar-weekdays-3 = Wednesday
calendar-weekdays-4 = Thursday
calendar-weekdays-5 = Friday
calendar-weekdays-6 = Saturday
calendar-weekdays-7 = Sunday

## January first: the month as a date writes it (a name; in Chinese, a number)
calendar-months-1 = January
calendar-months-2 = February
calendar-months-3 = March
calendar-months-4 = April
calendar-months-5 = May
calendar-months-6 = June
calendar-months-7 = July
calendar-months-8 = August
calendar-months-9 = September
calendar-months-10 = October
calendar-months-11 = November
calendar-months-12 = December

## A day and a moment
# `{ $weekday }`, `{ $day }`, `{ $month }` (as above), `{ $year }`.
calendar-date = { $weekday }, { $day } { $month } { $year }
# `{ $date }`, `{ $time }` (24-hour 23:59), `{ $zone }` (the IANA name).
calendar-date-time = { $date }, { $time } ({ $zone })
