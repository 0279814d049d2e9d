// filled in with the email tests
