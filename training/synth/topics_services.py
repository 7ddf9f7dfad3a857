"""Synthetic facts about payments, discounts, gift cards, loyalty, warranty, repairs and
rentals."""

from __future__ import annotations

from training.synth import vocab as w
from training.synth.facts import F, V, const

PAYMENTS = [
    F("payments", "methods", (
        "what payment methods do we accept?", "which cards can customers pay with",
        "accepted forms of payment?", "do we take amex?", "How can customers pay?",
        "can they pay with paypal"),
        V(lambda r, c: {"A": w.join_list(w.pick_list(r, w.PAYMENT_METHODS, 3, 6), r)}, (
            "We accept {A}.",
            "Payment can be made with {A}.",
            "At checkout, customers can pay with {A}."),
          "We accept {A}."),
        family="methods"),
    F("payments", "bnpl", (
        "do we offer buy now pay later?", "can a customer pay in installments?",
        "installment options?", "Is there a way to split payments?", "pay later provider?"),
        V(lambda r, c: {"A": f"{r.choice((3, 4, 4, 6))} interest-free payments with "
                             f"{r.choice(w.BNPL)}"}, (
            "Customers can split their purchase into {A}.",
            "At checkout you can pay in {A}.",
            "Orders over {cur}50 can be paid in {A}."),
          "Customers can pay in {A}."),
        family="bnpl"),
    F("payments", "charged", (
        "when is the card charged?", "do we charge at checkout or when it ships",
        "payment timing?", "When is payment taken for an order?"),
        V(const("when the order ships", "at checkout", "when the order is dispatched",
                "once the items leave our warehouse"), (
            "Your card is charged {A}.",
            "Payment is taken {A}.",
            "We only charge the payment method {A}."),
          "The card is charged {A}."),
        family="charged", related=("orders.preorder_charge",)),
    F("payments", "price_adjust", (
        "do we do price adjustments?",
        "item went on sale after purchase, can we refund the difference",
        "price adjustment window?", "price drop policy?",
        "How long is the price protection period?"),
        V(lambda r, c: {"A": w.duration(r, (7, 10, 14, 30))}, (
            "If an item drops in price within {A} of purchase, we refund the difference.",
            "We offer price adjustments for {A} after purchase.",
            "Price protection applies for {A} from the order date."),
          "We refund the price difference if it drops within {A} of purchase."),
        V(const("no price adjustments"), (
            "We offer {A} after an order is placed.",
            "Please note there are {A} on previous purchases."),
          "We offer {A}."),
        family="price_adjust", related=("discounts.price_match",)),
    F("payments", "promo_stack", (
        "can customers use two promo codes?", "can promo codes be combined",
        "how many discount codes per order", "stack promo codes?",
        "Can more than one discount code be used?"),
        V(const("one promo code per order", "a single discount code per order",
                "up to two codes per order"), (
            "Customers may use {A}.",
            "Checkout accepts {A}.",
            "Discounts cannot be stacked: we allow {A}."),
          "Customers can use {A}."),
        family="promo_stack"),
    F("payments", "declined", (
        "what if the payment is declined?", "card declined at checkout?",
        "why did the payment fail", "What should a customer do if their card is declined?"),
        V(const("contact their bank", "check the billing address matches the card",
                "try another payment method"), (
            "If a payment is declined, customers should {A}.",
            "Declined payments usually mean the customer should {A}."),
          "If the card is declined, the customer should {A}."),
        family="declined"),
]

DISCOUNTS = [
    F("discounts", "student", (
        "do we have a student discount?", "how much is the student discount",
        "student discount percentage?", "What discount do students get?"),
        V(lambda r, c: {"A": w.percent(r, (10, 15, 20, 25))}, (
            "Students save {A} on full-price items.",
            "Verified students get {A} off.",
            "We offer a {A} student discount online and in store."),
          "Students get {A} off."),
        family="student"),
    F("discounts", "military", (
        "do we have a military discount?", "first responder discount?",
        "discount for veterans?", "Is there a discount for military personnel?"),
        V(lambda r, c: {"A": w.percent(r, (10, 15, 20))}, (
            "Military members and first responders receive {A} off every purchase.",
            "We thank service members with {A} off."),
          "Military members and first responders get {A} off."),
        family="military"),
    F("discounts", "newsletter", (
        "what do customers get for signing up to the newsletter?", "newsletter discount?",
        "sign up offer?", "Is there a discount for subscribing to emails?"),
        V(lambda r, c: {"A": f"{w.percent(r, (10, 15, 20))} off their first order"}, (
            "New subscribers get {A}.",
            "Sign up to our emails and receive {A}."),
          "Newsletter subscribers get {A}."),
        V(lambda r, c: {"A": f"{w.money(r, 5, 20, cents=False, sym=c['cur'])} off"}, (
            "Join our mailing list for {A} your first purchase.",
            "Subscribers receive a code for {A} orders over {cur}50."),
          "Newsletter subscribers get {A}."),
        family="newsletter"),
    F("discounts", "employee", (
        "what is the employee discount?", "how much do staff get off",
        "staff discount?", "What discount do employees receive?"),
        V(lambda r, c: {"A": w.percent(r, (20, 25, 30, 40, 50))}, (
            "Employees receive {A} off all merchandise.",
            "Our team members get a {A} staff discount."),
          "Employees get {A} off."),
        family="employee"),
    F("discounts", "price_match", (
        "do we price match?", "can we match a competitor's price",
        "price matching policy?", "Will {brand} match a lower price elsewhere?"),
        V(const("do not price match", "don't match competitor prices"), (
            "We {A}.",
            "Please note that we {A}, including online marketplaces."),
          "We {A}."),
        V(const("identical items sold by major retailers",
                "the same item at authorised retailers"), (
            "We price match {A}.",
            "We will match the price of {A} at the time of purchase."),
          "We price match {A}."),
        family="price_match"),
]

GIFT_CARDS = [
    F("giftcards", "expiry", (
        "do gift cards expire?", "gift card expiration?", "how long are gift cards valid",
        "cust has an old gift card, is it still good?", "When do gift cards expire?"),
        V(const("never expire", "do not expire"), (
            "Our gift cards {A}.",
            "{brand} gift cards {A} and carry no fees."),
          "Gift cards {A}."),
        V(lambda r, c: {"A": w.duration(r, (1, 2, 3, 5), "years")}, (
            "Gift cards are valid for {A} from the date of purchase.",
            "Gift cards expire {A} after they are issued."),
          "Gift cards are valid for {A}."),
        family="expiry"),
    F("giftcards", "amounts", (
        "what amounts can gift cards be?", "min and max gift card value?",
        "how much can be loaded on a gift card", "What denominations are available?"),
        V(lambda r, c: {"A": f"{c['cur']}{r.choice((5, 10, 20, 25))} to "
                             f"{c['cur']}{r.choice((200, 250, 500, 1000))}"}, (
            "Gift cards are available from {A}.",
            "You can load any amount from {A}.",
            "Gift card values range from {A}."),
          "Gift cards can be loaded with {A}."),
        family="amounts"),
    F("giftcards", "balance", (
        "how can a customer check their gift card balance?", "gift card balance?",
        "where to check gift card balance", "How is the gift card balance checked?"),
        V(lambda r, c: {"A": r.choice((f"{c['site']}/giftcards",
                                        "the gift card page of our website",
                                        "any store till"))}, (
            "Gift card balances can be checked at {A}.",
            "To check the balance, visit {A}."),
          "The balance can be checked at {A}."),
        family="balance"),
    F("giftcards", "lost", (
        "can a lost gift card be replaced?", "gift card stolen, what now",
        "lost gift card policy?", "Can we replace a lost gift card?"),
        V(const("with the original receipt", "if it was registered online",
                "with proof of purchase"), (
            "Lost or stolen gift cards can be replaced {A}.",
            "We can reissue a lost gift card {A}."),
          "Lost gift cards can be replaced {A}."),
        V(const("treated as cash and can't be replaced", "cannot be replaced"), (
            "Gift cards are {A} if lost or stolen.",
            "Please keep gift cards safe: lost cards are {A}."),
          "Lost gift cards are {A}."),
        family="lost"),
    F("giftcards", "where", (
        "where can gift cards be used?", "can a gift card be used in store",
        "can they use the gift card online", "Where are gift cards accepted?"),
        V(const("online and in all stores", "online only", "in stores only",
                "online, in our app and at any store"), (
            "You can spend gift cards {A}.",
            "{brand} gift cards are accepted {A}."),
          "Gift cards can be used {A}."),
        family="where"),
    F("giftcards", "delivery", (
        "how fast are e-gift cards delivered?", "when does the recipient get the e-gift card",
        "egift card delivery time?", "How long does an e-gift card take to arrive?"),
        V(lambda r, c: {"A": r.choice(("a few minutes", "15 minutes", "1 hour", "24 hours",
                                        "30 minutes"))}, (
            "E-gift cards are emailed within {A} of purchase.",
            "Digital gift cards arrive by email within {A}."),
          "E-gift cards are emailed within {A}."),
        family="delivery"),
]

LOYALTY = [
    F("loyalty", "earn", (
        "how many points do members earn?", "points per dollar?", "how do customers earn points",
        "What is the points earn rate?", "loyalty points rate"),
        V(lambda r, c: {"A": f"{r.choice((1, 2, 3, 5, 10))} points for every "
                             f"{r.choice(('dollar', '$1', 'pound', 'euro'))} spent"}, (
            "Members earn {A}.",
            "You collect {A} online and in store.",
            "Every purchase earns {A}."),
          "Members earn {A}."),
        family="earn"),
    F("loyalty", "convert_points", (
        "how many points for a reward", "how many points do they need for a voucher",
        "points needed for a reward?", "How many points make a reward?"),
        V(lambda r, c: {"A": f"{r.choice((100, 200, 250, 500))} points",
                        "val": str(r.choice((5, 10, 20)))}, (
            "Every {A} earns a {cur}{val} reward.",
            "Once you reach {A}, we send you a {cur}{val} voucher."),
          "A reward is issued every {A}."),
        family="convert"),
    F("loyalty", "reward_value", (
        "how much is a reward worth?", "reward value?", "what is a loyalty voucher worth",
        "What is each reward worth?"),
        V(lambda r, c: {"A": f"{c['cur']}{r.choice((5, 10, 20))}",
                        "pts": str(r.choice((100, 200, 250, 500)))}, (
            "Every {pts} points earns a {A} reward.",
            "Once you reach {pts} points, we send you a {A} voucher."),
          "Each reward is worth {A}."),
        family="convert"),
    F("loyalty", "points_expiry", (
        "do points expire?", "when do loyalty points expire", "how long are points valid",
        "points expiration?", "When do reward points expire?"),
        V(lambda r, c: {"A": w.duration(r, (6, 12, 18, 24), "months")}, (
            "Points expire after {A} without a purchase.",
            "Unused points are removed after {A} of inactivity.",
            "Points are valid for {A} from the date they are earned."),
          "Points expire after {A} without activity."),
        V(const("never expire", "do not expire"), (
            "Your points {A} as long as the account is open.",
            "Loyalty points {A}."),
          "Points {A}."),
        family="points_expiry"),
    F("loyalty", "birthday", (
        "do members get a birthday reward?", "whats the birthday discount",
        "birthday perk?", "What do members receive on their birthday?"),
        V(lambda r, c: {"A": r.choice((f"{w.percent(r, (10, 15, 20))} off",
                                        f"a {c['cur']}{r.choice((5, 10, 15))} voucher",
                                        "double points", "a free gift"))}, (
            "Members receive {A} during their birthday month.",
            "On your birthday, we send {A}."),
          "Members get {A} for their birthday."),
        family="birthday"),
    F("loyalty", "join_fee", (
        "does the loyalty program cost anything?", "is there a fee to join rewards",
        "how much is membership", "Is the rewards program free?"),
        V(const("free to join", "free"), (
            "Membership in {program} is {A}.",
            "Joining {program} is {A}."),
          "Joining {program} is {A}."),
        V(lambda r, c: {"A": f"{w.money(r, 20, 99, sym=c['cur'])} a year"}, (
            "Membership in {program} costs {A}.",
            "{program} is a paid membership at {A}."),
          "Membership in {program} costs {A}."),
        family="join_fee"),
]

WARRANTY = [
    F("warranty", "length", (
        "what's the warranty on our products?", "how long is the warranty",
        "warranty period?", "how many years of warranty",
        "What warranty comes with {brand} products?"),
        V(lambda r, c: {"A": r.choice(("1-year warranty", "2-year warranty", "lifetime warranty",
                                        "6-month warranty", "3-year warranty",
                                        "90-day warranty"))}, (
            "Shoes and handbags carry a {A} against defects in materials.",
            "Our products are covered by a {A}.",
            "Every purchase includes a {A} covering faulty materials and workmanship."),
          "Our products come with a {A}."),
        family="length"),
    F("warranty", "covers", (
        "what does the warranty cover?", "what faults does the warranty cover",
        "warranty coverage?", "What kind of faults are covered?"),
        V(lambda r, c: {"A": w.join_list(r.sample(
            ["broken zips", "seam failures", "sole separation", "faulty hardware",
             "broken straps", "loose stitching", "defective buckles"], r.randint(2, 4)), r)}, (
            "The warranty covers {A}.",
            "Covered defects include {A}."),
          "The warranty covers {A}."),
        family="covers"),
    F("warranty", "excludes", (
        "what isn't covered by the warranty?", "warranty exclusions?",
        "is normal wear covered", "What does the warranty not cover?"),
        V(const("normal wear and tear, accidents and misuse", "damage from improper care",
                "wear and tear or accidental damage", "heel and sole wear"), (
            "The warranty does not cover {A}.",
            "Excluded from the warranty: {A}."),
          "The warranty doesn't cover {A}."),
        family="excludes"),
    F("warranty", "claim", (
        "how does a customer make a warranty claim?", "warranty claim process?",
        "what do they need for a warranty claim", "How are warranty claims submitted?"),
        V(lambda r, c: {"A": r.choice((f"email {c['email']} with photos and the order number",
                                        "bring the item and receipt to any store",
                                        "fill in the claim form on our website"))}, (
            "To make a claim, {A}.",
            "Warranty claims: {A}."),
          "To make a warranty claim, {A}."),
        family="claim"),
]

REPAIRS = [
    F("repairs", "free_period", (
        "do we repair items for free?", "free repair period?", "how long are repairs free",
        "cust's zip broke after 3 months, is the repair free?", "Are repairs free of charge?"),
        V(lambda r, c: {"A": w.duration(r, (3, 6, 12, 24), "months")}, (
            "Repairs are free for {A} after purchase.",
            "Manufacturing defects are repaired at no charge for {A}."),
          "Repairs are free for {A} after purchase."),
        family="free_period", related=("warranty.length", "warranty.covers")),
    F("repairs", "hemming", (
        "how much is hemming?", "do we hem trousers", "cost to shorten jeans",
        "hemming price?", "What does hemming cost?"),
        V(lambda r, c: {"A": w.money(r, 8, 25, sym=c["cur"])}, (
            "Hemming costs {A} per pair.",
            "We can hem trousers and jeans for {A}."),
          "Hemming costs {A}."),
        V(const("free", "free of charge", "complimentary"), (
            "Hemming is {A} on full-price trousers.",
            "Jeans hemming is {A} in all stores."),
          "Hemming is {A}."),
        family="hemming"),
    F("repairs", "turnaround", (
        "how long do repairs take?", "repair turnaround?", "when will the repaired item be ready",
        "How long does an alteration take?"),
        V(lambda r, c: {"A": r.choice((w.day_range(r, 2, 14),
                                        w.duration(r, (1, 2, 3, 4), "weeks"),
                                        w.duration(r, (3, 5, 7, 10), "business days")))}, (
            "Repairs usually take {A}.",
            "Most alterations are ready in {A}.",
            "Please allow {A} for repairs."),
          "Repairs take {A}."),
        family="turnaround"),
    F("repairs", "zip", (
        "how much is a zip replacement?", "cost to replace a zipper?", "zip repair price?",
        "What do we charge to replace a zip?"),
        V(lambda r, c: {"A": w.money(r, 12, 40, sym=c["cur"])}, (
            "Zip replacement costs {A}.",
            "We replace broken zips for {A}."),
          "A zip replacement costs {A}."),
        family="zip"),
]

RENTALS = [
    F("rental", "period", (
        "how long is the rental period?", "how long can they keep a rental",
        "rental length?", "How many days is a rental?"),
        V(lambda r, c: {"A": w.duration(r, (4, 7, 8, 10, 14))}, (
            "Each rental lasts {A}.",
            "Rented pieces can be kept for {A}."),
          "Rentals last {A}."),
        family="period"),
    F("rental", "late_fee", (
        "is there a late fee for rentals?", "what if a rental is returned late",
        "late return fee?", "How much is the rental late fee?"),
        V(lambda r, c: {"A": f"{w.money(r, 5, 25, sym=c['cur'])} per day"}, (
            "Late returns are charged {A}.",
            "A late fee of {A} applies after the due date."),
          "The late fee is {A}."),
        family="late_fee"),
    F("rental", "subscription", (
        "how much is the subscription?", "monthly box price?", "subscription cost?",
        "What does the styling box subscription cost?"),
        V(lambda r, c: {"A": f"{w.money(r, 29, 129, sym=c['cur'])} a month"}, (
            "The subscription costs {A}.",
            "Our styling box is {A}, and you can skip any month."),
          "The subscription costs {A}."),
        family="subscription"),
    F("rental", "damage", (
        "what if a rental gets damaged?", "rental damage policy?", "do they pay for stains",
        "Who pays for damage to rented items?"),
        V(const("minor wear and small stains", "everyday wear", "small stains and loose threads"), (
            "Rental insurance covers {A}.",
            "You won't be charged for {A}."),
          "Rental insurance covers {A}."),
        family="damage"),
]

TOPICS_SERVICES = {
    "payments": PAYMENTS, "discounts": DISCOUNTS, "giftcards": GIFT_CARDS, "loyalty": LOYALTY,
    "warranty": WARRANTY, "repairs": REPAIRS, "rental": RENTALS,
}
