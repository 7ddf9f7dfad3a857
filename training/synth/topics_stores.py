"""Synthetic facts about stores, opening hours, customer care, accounts and sustainability."""

from __future__ import annotations

from training.synth import vocab as w
from training.synth.facts import F, V, const

STORE_SERVICES = [
    F("services", "styling", (
        "do we offer personal styling?", "is in-store styling free", "styling appointment?",
        "can a customer book a stylist", "How long is a styling session?"),
        V(lambda r, c: {"A": f"{r.choice((30, 45, 60, 90))}-minute"}, (
            "Book a free {A} styling session in any store.",
            "Our stylists offer complimentary {A} appointments."),
          "We offer free {A} styling appointments."),
        family="styling"),
    F("services", "pickup_hold", (
        "how long do we hold pickup orders?", "click and collect hold period?",
        "cust hasn't collected their order, how long do we keep it",
        "How long are collection orders held?"),
        V(lambda r, c: {"A": w.duration(r, (3, 5, 7, 10, 14))}, (
            "Click and collect orders are held for {A}.",
            "We keep uncollected orders for {A} before refunding them."),
          "Pickup orders are held for {A}."),
        family="pickup_hold"),
    F("services", "pickup_ready", (
        "how long until a pickup order is ready?", "click and collect ready time?",
        "when can they collect", "How soon is a store pickup order ready?"),
        V(lambda r, c: {"A": r.choice(("2 hours", "1 hour", "4 hours", "the same day",
                                        "24 hours", "2 business days"))}, (
            "Pickup orders are usually ready within {A}.",
            "Your order will be ready to collect in {A}."),
          "Pickup orders are ready within {A}."),
        family="pickup_ready"),
    F("services", "care_hours", (
        "what are customer care hours?", "when is the phone line open",
        "customer service hours?", "When can customers call support?"),
        V(lambda r, c: {"A": w.hours_span(r, (7, 8, 9), (17, 18, 20, 21, 22))}, (
            "Customer care is available from {A}, seven days a week.",
            "Our phone lines are open {A} on weekdays.",
            "You can reach our team by phone from {A}."),
          "Customer care is available from {A}."),
        family="care_hours"),
    F("services", "phone", (
        "what's the customer care phone number?", "number for customer service?",
        "how can a customer call us", "What is the support phone number?"),
        V(lambda r, c: {"A": c["phone"]}, (
            "Call us on {A}.",
            "Our customer care line is {A}."),
          "Customer care can be reached on {A}."),
        family="phone", related=("giftcards.balance",)),
    F("services", "email_response", (
        "how fast do we answer emails?", "email response time?",
        "cust emailed yesterday, when will they hear back", "How quickly are emails answered?"),
        V(lambda r, c: {"A": r.choice(("24 hours", "48 hours", "one business day",
                                        "2 business days", "72 hours"))}, (
            "Emails to {email} are answered within {A}.",
            "We reply to every email within {A}."),
          "Emails are answered within {A}."),
        family="email_response"),
    F("services", "email", (
        "what's the customer service email?", "support email address?",
        "where can customers email us", "What email address should customers use?"),
        V(lambda r, c: {"A": c["email"]}, (
            "Email our team at {A}.",
            "For order questions, write to {A}."),
          "Customers can email {A}."),
        family="email", related=("email_response", "warranty.claim")),
]

STORES = [
    F("stores", "hours", (
        "what are store hours?", "when are stores open", "store opening times?",
        "what time do stores close on weekdays", "What are {brand}'s opening hours?"),
        V(lambda r, c: {"A": w.hours_span(r, (8, 9, 10), (18, 19, 20, 21))}, (
            "Our stores are open {A}, Monday to Saturday.",
            "From Monday to Saturday, stores open {A}.",
            "Shops trade {A} on weekdays and Saturdays."),
          "Stores are open {A}, Monday to Saturday."),
        family="hours", related=("sunday",)),
    F("stores", "sunday", (
        "are stores open on sunday?", "sunday hours?", "what time do stores open on sundays",
        "What are the Sunday opening hours?"),
        V(lambda r, c: {"A": w.hours_span(r, (10, 11, 12), (16, 17, 18))}, (
            "On Sundays, stores are open {A}.",
            "Sunday trading hours are {A}."),
          "On Sundays, stores are open {A}."),
        V(const("closed"), (
            "All stores are {A} on Sundays.",
            "Please note our shops are {A} on Sunday."),
          "Stores are {A} on Sundays."),
        family="sunday", related=("hours",)),
    F("stores", "holidays", (
        "which days are stores closed?", "are we open on christmas day", "holiday closures?",
        "What public holidays are stores closed?"),
        V(lambda r, c: {"A": w.join_list(r.sample(
            ["Christmas Day", "Boxing Day", "New Year's Day", "Easter Sunday", "Thanksgiving Day",
             "Labor Day", "Independence Day"], r.randint(2, 3)), r)}, (
            "Stores are closed on {A}.",
            "We close all shops on {A} so our teams can rest."),
          "Stores are closed on {A}."),
        family="holidays"),
    F("stores", "count", (
        "how many stores do we have?", "number of locations?", "how many shops does {brand} have",
        "How many physical stores are there?"),
        V(lambda r, c: {"A": f"{r.randint(3, 140)} stores"}, (
            "{brand} operates {A} across the country.",
            "You can visit us in {A} nationwide."),
          "We have {A}."),
        family="count"),
    F("stores", "flagship", (
        "where is the flagship store?", "flagship address?", "address of our main store",
        "Where is {brand}'s flagship located?"),
        V(lambda r, c: {"A": f"{r.randint(1, 999)} {r.choice(w.STREETS)}, {c['city']}"}, (
            "Our flagship store is at {A}.",
            "Visit the flagship at {A}."),
          "The flagship store is at {A}."),
        family="flagship"),
    F("stores", "giftwrap", (
        "do we offer gift wrapping?", "how much is gift wrap", "gift wrapping cost?",
        "Is gift wrapping available?"),
        V(lambda r, c: {"A": w.money(r, 2, 8, sym=c["cur"])}, (
            "Gift wrapping is available for {A} per item.",
            "Add gift wrap at checkout for {A}."),
          "Gift wrapping costs {A}."),
        V(const("free", "complimentary", "free of charge"), (
            "Gift wrapping is {A} at every till.",
            "In store, gift wrapping is {A}."),
          "Gift wrapping is {A}."),
        family="giftwrap"),
]

ACCOUNT = [
    F("account", "reset", (
        "how long is the password reset link valid?", "reset link expired?",
        "password reset link expiry", "How long does a reset link last?"),
        V(lambda r, c: {"A": r.choice(("30 minutes", "60 minutes", "1 hour", "24 hours",
                                        "15 minutes"))}, (
            "Password reset links are valid for {A}.",
            "The reset link in the email expires after {A}."),
          "The reset link is valid for {A}."),
        family="reset"),
    F("account", "delete", (
        "how long does account deletion take?", "when will the account be deleted",
        "delete account timeframe?", "How long until an account is closed?"),
        V(lambda r, c: {"A": w.duration(r, (7, 14, 30, 45))}, (
            "Accounts are deleted within {A} of the request.",
            "We close the account within {A}."),
          "Accounts are deleted within {A}."),
        family="delete"),
    F("account", "guest", (
        "do customers need an account to order?", "guest checkout?",
        "can they order without signing up", "Is an account required to buy?"),
        V(const("check out as a guest", "place an order without an account"), (
            "Customers can {A}.",
            "You can {A}, but you won't earn points."),
          "Customers can {A}."),
        family="guest"),
]

SUSTAINABILITY = [
    F("green", "takeback", (
        "do we have a recycling program?", "what do customers get for recycling clothes",
        "take back voucher?", "clothing take-back program?", "What is the take-back reward?"),
        V(lambda r, c: {"A": f"a {c['cur']}{r.choice((5, 10, 15, 20))} voucher"}, (
            "Bring in used clothing and receive {A}.",
            "Each bag of old clothes earns {A}."),
          "Customers get {A} for recycling clothes."),
        family="takeback"),
    F("green", "packaging", (
        "what is our packaging made of?", "is packaging recyclable", "are our mailers recycled",
        "What materials are used for shipping bags?"),
        V(lambda r, c: {"A": f"{r.choice((50, 70, 80, 90, 100))}% recycled "
                             f"{r.choice(('plastic', 'paper', 'cardboard'))}"}, (
            "Orders ship in mailers made from {A}.",
            "Our packaging is made of {A}."),
          "Our packaging is made of {A}."),
        family="packaging"),
    F("green", "materials", (
        "how much of the collection is sustainable?", "what percent is recycled material",
        "sustainable materials share?", "How much of {brand}'s range uses recycled fibres?"),
        V(lambda r, c: {"A": f"{r.randint(20, 95)}%"}, (
            "{A} of our collection uses recycled or organic materials.",
            "Last year, {A} of our products were made with lower-impact fibres."),
          "{A} of the collection uses recycled or organic materials."),
        family="materials"),
]


TOPICS_STORES = {"services": STORE_SERVICES, "stores": STORES, "account": ACCOUNT,
                 "green": SUSTAINABILITY}
