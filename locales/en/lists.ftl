### The admin's lists instead of ids: everyone asked for an anonymous review, and the CSV preview's refused rows.

lists-anonymous-title = Anonymous reviews: everyone asked
lists-anonymous-hint = Peer, direct-report and anonymous customer reviews list everyone asked in the same way, whether they answered, declined or not: nobody can tell from this page who answered. A fresh link goes only to the address the review was first sent to, and only while the review is still open; an answer already given stays.
lists-asked = { $n } asked
lists-nobody-asked = Nobody is asked for an anonymous review in this cycle.
lists-reissue-if-open = Email a fresh link if still open
lists-reissued-if-open = If this review is still open, a fresh link is on its way to the address it was first sent to. An answer already given stays.
lists-rows-refused-one = 1 row is refused.
lists-rows-refused = { $n } rows are refused.
