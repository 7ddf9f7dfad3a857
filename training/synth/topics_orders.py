"""Synthetic facts about returns, exchanges, shipping, international orders and order changes."""

from __future__ import annotations

from training.synth import vocab as w
from training.synth.facts import F, V, const

DAYS = (7, 10, 14, 15, 21, 28, 30, 45, 60, 90, 100, 365)

RETURNS = [
    F("returns", "window", (
        "how long do customers have to return an item?", "what is the return window?",
        "return period?", "how many days to return something", "How long is the return period?",
        "whats the deadline for returns", "time limit for returns?",
        "how long does a customer have to send items back?", "return window length",
        "How many days does {brand} give for returns?"),
        V(lambda r, c: {"A": w.duration(r, DAYS)}, (
            "Items may be sent back within {A} of delivery.",
            "You have {A} from the date you receive your order to return it.",
            "Our return window is {A} from the delivery date.",
            "We accept returns up to {A} after purchase.",
            "Returns are accepted for {A} after your order arrives.",
            "If something isn't right, send it back within {A} for a refund.",
            "Unworn items may be returned within {A} of the delivery date.",
            "Customers can return full-price items up to {A} after delivery."),
          "Customers have {A} to return an item."),
        family="window", related=("sale", "holiday", "damaged", "exchange_window")),
    F("returns", "policy", (
        "what is the return policy?", "return policy?", "whats our returns policy",
        "What is {brand}'s return policy?", "how do returns work",
        "cust asking about returns policy",
        "can customers return items?", "refund policy for online orders?"),
        V(lambda r, c: {"A": f"within {w.duration(r, DAYS)} of delivery for a full refund"}, (
            "Unworn items can be returned {A}.",
            "Online orders may be returned {A}, provided the tags are still attached.",
            "Anything you buy from {brand} can be sent back {A}."),
          "Items can be returned {A}."),
        V(lambda r, c: {"A": f"within {w.duration(r, DAYS)} for store credit or an exchange"}, (
            "Items can be returned {A}; we do not offer cash refunds.",
            "Our policy is simple: returns are accepted {A}."),
          "Items can be returned {A}."),
        family="window",
        related=("sale", "holiday", "damaged", "exchange_window", "refund_method")),
    F("returns", "exchange_window", (
        "how long do customers have to exchange an item?", "exchange window?",
        "whats the deadline for a size swap", "how many days for exchanges",
        "How long is the exchange period?", "time limit to exchange for another size?"),
        V(lambda r, c: {"A": w.duration(r, DAYS)}, (
            "Exchanges for a different size or color can be made within {A} of delivery.",
            "You can swap an item for another size up to {A} after it arrives.",
            "Our exchange window is {A}.",
            "Size exchanges are accepted for {A} from the delivery date."),
          "Exchanges can be made within {A} of delivery."),
        family="exchange_window"),
    F("returns", "refund_method", (
        "how are refunds issued?", "do refunds go back to the original card?", "refund method?",
        "will the customer get their money back or store credit?", "how is the refund paid",
        "where does the refund go", "What form do refunds take?"),
        V(const("the original payment method", "the original form of payment",
                "the card used for the purchase", "store credit", "a gift card",
                "the original payment method or store credit"), (
            "Refunds are issued to {A}.",
            "Once your return is approved, we refund {A}.",
            "All refunds go back to {A}.",
            "Approved returns are refunded to {A}, minus any shipping fees."),
          "Refunds are issued to {A}."),
        family="refund_method"),
    F("returns", "refund_time", (
        "how long do refunds take?", "when will the customer see their refund",
        "refund processing time?", "how long until the money is back on the card",
        "How long does it take to process a refund?", "refund timeline?",
        "cust returned an item, when do they get their money"),
        V(lambda r, c: {"A": w.day_range(r, 2, 14, r.choice(("business days", "days",
                                                                 "working days")))}, (
            "Refunds are processed within {A} of receiving your return.",
            "Please allow {A} for the refund to appear on your statement.",
            "Once we receive the parcel, your refund is issued in {A}.",
            "Refunds usually reach the customer's account in {A}."),
          "Refunds take {A} once the return is received."),
        family="refund_time"),
    F("returns", "restocking", (
        "is there a restocking fee?", "restocking fee?", "do we charge a restocking fee",
        "how much is the restocking fee", "What is the restocking fee on returns?",
        "cust asking if there's a fee to return"),
        V(lambda r, c: {"A": w.money(r, 3, 25, sym=c["cur"])}, (
            "A restocking fee of {A} applies to each return.",
            "We deduct a {A} restocking fee from every refund.",
            "Returns are subject to a {A} restocking fee."),
          "There is a restocking fee of {A} on returns."),
        V(lambda r, c: {"A": w.percent(r, (5, 10, 15, 20))}, (
            "A {A} restocking fee is charged on opened electronics and bulky items.",
            "Returned furniture and bulky items carry a {A} restocking fee."),
          "The restocking fee is {A}."),
        V(const("no restocking fee", "no restocking fees"), (
            "There is {A} on any return.",
            "We charge {A}, so customers get back the full item price."),
          "There is {A}."),
        family="restocking", related=("return_shipping",)),
    F("returns", "return_shipping", (
        "is return shipping free?", "who pays for return shipping?",
        "how much does it cost to send a return back", "return postage cost?",
        "do customers pay for return labels", "What does return shipping cost?",
        "do we charge for return labels"),
        V(lambda r, c: {"A": w.money(r, 3, 12, sym=c["cur"])}, (
            "A return shipping fee of {A} is deducted from the refund.",
            "Our prepaid return label costs {A}.",
            "Return shipping costs {A} per parcel, taken from your refund."),
          "Return shipping costs {A}, deducted from the refund."),
        V(const("free", "free of charge", "at no cost", "completely free"), (
            "Return shipping is {A} with the prepaid label in your parcel.",
            "Returns by mail are {A} within the country.",
            "We cover return postage, so sending items back is {A}."),
          "Return shipping is {A}."),
        V(const("the customer's responsibility", "paid by the customer"), (
            "Return shipping costs are {A}, and we recommend a tracked service.",
            "Postage for returns is {A} unless the item is faulty."),
          "Return shipping is {A}."),
        family="return_shipping", related=("restocking",)),
    F("returns", "condition", (
        "what condition do returns need to be in?", "do tags need to be attached for a return",
        "can worn items be returned?", "return condition requirements?",
        "What are the conditions for a return?", "can they return something they wore once"),
        V(const("unworn, unwashed and with the original tags attached",
                "unused and in the original packaging", "in new condition with all tags attached",
                "unworn and with tags still on", "clean, unworn and in original packaging"), (
            "Returned items must be {A}.",
            "To qualify for a refund, items need to be {A}.",
            "We can only accept items that are {A}."),
          "Returned items must be {A}."),
        family="condition"),
    F("returns", "sale", (
        "can sale items be returned?", "are sale items returnable", "return policy on sale items?",
        "cust bought something on sale, can they return it", "What is the policy for sale items?",
        "are discounted items final sale?"),
        V(const("final sale", "final sale and cannot be returned", "non-returnable",
                "exchange only"), (
            "Sale items are {A}.",
            "All items bought on sale are {A}.",
            "Please note that discounted items are {A}."),
          "Sale items are {A}."),
        V(lambda r, c: {"A": f"within {w.duration(r, (7, 10, 14, 15))} for store credit"}, (
            "Sale items can be returned {A}.",
            "Discounted purchases may be returned {A} only."),
          "Sale items can be returned {A}."),
        family="sale"),
    F("returns", "nonreturnable", (
        "what items can't be returned?", "which products are non-returnable",
        "are there any items we don't accept returns on", "non returnable items?",
        "What can't be returned for hygiene reasons?", "can earrings be returned"),
        V(lambda r, c: {"A": w.join_list(r.sample(
            ["earrings", "underwear", "swimwear", "face masks", "personalised items",
             "beauty products", "socks", "gift cards", "pierced jewelry", "engraved items"],
            r.randint(2, 4)), r)}, (
            "For hygiene reasons we cannot accept returns of {A}.",
            "The following cannot be returned: {A}.",
            "Please note that {A} are non-returnable."),
          "We can't accept returns of {A}."),
        family="nonreturnable", related=("sale",)),
    F("returns", "start", (
        "how does a customer start a return?", "where do they start a return",
        "how to initiate a return?", "return portal?", "How can a return be requested?",
        "cust wants to return, what's the first step"),
        V(lambda r, c: {"A": r.choice((f"{c['site']}/returns", "the Returns page of their account",
                                        "the Orders section of the app",
                                        f"our returns portal at {c['site']}/returns"))}, (
            "To start a return, visit {A}.",
            "Returns can be started from {A}.",
            "Customers begin a return at {A} and print the label we email."),
          "Returns are started at {A}."),
        family="start"),
    F("returns", "receipt", (
        "can they return without a receipt?", "no receipt return?",
        "return without proof of purchase",
        "cust lost the receipt, can they still return", "What happens if there is no receipt?"),
        V(const("store credit at the lowest sale price", "an exchange only",
                "store credit for the current selling price", "no refund"), (
            "Without a receipt, we can offer {A}.",
            "Returns without proof of purchase receive {A}.",
            "If the receipt is missing, the best we can do is {A}."),
          "Without a receipt, we can offer {A}."),
        family="receipt", related=("refund_method",)),
    F("returns", "damaged", (
        "what if an item arrives damaged?", "how long to report a faulty item",
        "item arrived broken, what do we do", "damaged item policy?",
        "What is the deadline to report a damaged order?"),
        V(lambda r, c: {"A": w.duration(r, (2, 3, 5, 7, 14, 30))}, (
            "Damaged or faulty items must be reported within {A} of delivery.",
            "If your order arrives damaged, contact us within {A} with a photo.",
            "Please tell us about any faulty item within {A} of receiving it."),
          "Damaged items need to be reported within {A} of delivery."),
        family="damaged"),
    F("returns", "holiday", (
        "is there an extended holiday return period?", "holiday returns deadline?",
        "can christmas gifts be returned in january",
        "until when can holiday purchases be returned",
        "What is the holiday return policy?"),
        V(lambda r, c: {"A": f"{r.choice(w.MONTHS[:2])} {r.randint(5, 31)}"}, (
            "Purchases made between November 1 and December 24 can be returned until {A}.",
            "Holiday gifts bought in November and December may be returned until {A}.",
            "Our extended holiday returns run until {A}."),
          "Holiday purchases can be returned until {A}."),
        family="holiday"),
]

SHIPPING = [
    F("shipping", "standard_cost", (
        "how much is standard shipping?", "standard shipping cost?",
        "whats the fee for regular delivery",
        "price of standard delivery", "What does standard shipping cost?", "std shipping price"),
        V(lambda r, c: {"A": w.money(r, 2, 9, sym=c["cur"])}, (
            "Standard shipping costs {A}.",
            "Standard delivery is a flat {A} per order.",
            "We charge {A} for standard shipping.",
            "Standard shipping is {A} on all orders below the free-shipping threshold."),
          "Standard shipping costs {A}."),
        family="standard_cost", related=("free_threshold",)),
    F("shipping", "express_cost", (
        "how much is express shipping?", "whats the fee for express", "express delivery price?",
        "cost of express shipping", "What do we charge for express delivery?",
        "cust wants it faster, how much is express"),
        V(lambda r, c: {"A": w.money(r, 10, 30, sym=c["cur"])}, (
            "Express shipping costs {A}.",
            "Need it sooner? Express delivery is {A}.",
            "Express orders are charged {A}.",
            "Upgrade to express shipping for {A}."),
          "Express shipping costs {A}."),
        family="express_cost"),
    F("shipping", "overnight_cost", (
        "how much is next day delivery?", "overnight shipping cost?", "next-day price",
        "What does next-day delivery cost?", "how much to get it tomorrow"),
        V(lambda r, c: {"A": w.money(r, 18, 45, sym=c["cur"])}, (
            "Next-day delivery costs {A}.",
            "Overnight shipping is available for {A}.",
            "For {A}, orders can arrive the next business day."),
          "Next-day delivery costs {A}."),
        family="overnight_cost"),
    F("shipping", "standard_time", (
        "how long does standard shipping take?", "standard delivery time?",
        "how many days for regular shipping", "When will a standard order arrive?",
        "std shipping timeframe"),
        V(lambda r, c: {"A": w.day_range(r, 2, 10)}, (
            "Standard shipping takes {A}.",
            "Standard orders arrive in {A}.",
            "With standard delivery, expect your parcel in {A}."),
          "Standard shipping takes {A}."),
        family="standard_time", related=("processing",)),
    F("shipping", "express_time", (
        "how long does express take?", "express delivery timeframe?",
        "how fast is express shipping",
        "How quickly does express delivery arrive?", "express shipping days?"),
        V(lambda r, c: {"A": w.day_range(r, 1, 4)}, (
            "Express shipping arrives in {A}.",
            "Express orders are delivered within {A}.",
            "Choose express for delivery in {A}."),
          "Express shipping takes {A}."),
        family="express_time"),
    F("shipping", "free_threshold", (
        "whats the free shipping threshold?", "how much do they need to spend for free shipping",
        "do we have free shipping?", "minimum order for free delivery?",
        "What is the minimum spend for free shipping?", "free shipping over how much"),
        V(lambda r, c: {"A": w.money(r, 25, 150, cents=False, sym=c["cur"])}, (
            "Standard shipping is free on orders over {A}.",
            "Spend {A} or more and standard delivery is on us.",
            "We offer free shipping on all orders above {A}.",
            "Orders of {A} or more ship free."),
          "Shipping is free on orders over {A}."),
        family="free_threshold", related=("intl.free_threshold",)),
    F("shipping", "cutoff", (
        "whats the cutoff for same day dispatch?",
        "what time do they need to order for it to ship today",
        "same-day shipping cutoff?", "When must an order be placed to ship the same day?",
        "order by what time to ship today"),
        V(lambda r, c: {"A": w.clock(r, (11, 12, 13, 14, 15, 16, 17))}, (
            "Orders placed before {A} on business days ship the same day.",
            "If you order by {A}, we dispatch your parcel that afternoon.",
            "Our same-day dispatch cutoff is {A} local time."),
          "Orders placed before {A} on a business day ship the same day."),
        family="cutoff", related=("processing",)),
    F("shipping", "processing", (
        "how long does it take to process an order?", "order processing time?",
        "how soon do orders ship", "how long before an order leaves the warehouse",
        "What is the processing time before dispatch?"),
        V(lambda r, c: {"A": w.day_range(r, 1, 5)}, (
            "Orders are processed and dispatched within {A}.",
            "Please allow {A} for us to pack your order.",
            "Most orders leave our warehouse within {A}."),
          "Orders are processed within {A}."),
        family="processing"),
    F("shipping", "carriers", (
        "which carriers do we use?", "what courier do we ship with", "who delivers our parcels?",
        "do we use fedex?", "Which shipping carriers does {brand} use?", "carrier?"),
        V(lambda r, c: {"A": w.join_list(w.pick_list(r, w.CARRIERS, 1, 3), r)}, (
            "We ship with {A}.",
            "Parcels are delivered by {A}.",
            "Our delivery partners are {A}."),
          "We ship with {A}."),
        family="carriers"),
    F("shipping", "po_box", (
        "can we ship to a po box?", "do we deliver to po boxes", "po box delivery?",
        "Can orders be sent to a P.O. box?", "cust only has a po box, can we deliver"),
        V(const("standard shipping only", "USPS only", "not available", "standard delivery only"), (
            "Delivery to PO boxes is {A}.",
            "PO box addresses can receive {A}.",
            "For PO boxes, shipping is {A}."),
          "PO box delivery is {A}."),
        family="po_box"),
    F("shipping", "tracking", (
        "when does the customer get a tracking number?", "how long until the tracking email comes",
        "tracking link timing?", "When is the tracking information sent?",
        "cust has no tracking yet, when will it come"),
        V(lambda r, c: {"A": r.choice(("24 hours", "48 hours", "one business day", "12 hours",
                                        "2 business days"))}, (
            "A tracking number is emailed within {A} of dispatch.",
            "You will receive tracking details within {A} after your order ships.",
            "Tracking emails go out within {A} of the parcel leaving our warehouse."),
          "The tracking number is emailed within {A} of dispatch."),
        family="tracking", related=("lost",)),
    F("shipping", "lost", (
        "what if a parcel is lost?", "package marked delivered but not received?",
        "lost package policy?", "how long before we treat a parcel as lost",
        "What should a customer do if their parcel never arrived?"),
        V(lambda r, c: {"A": w.duration(r, (3, 5, 7, 10, 14), "business days")}, (
            "If tracking has not updated for {A}, we open a claim with the carrier.",
            "Parcels that have not moved for {A} are treated as lost and replaced.",
            "Contact us if there is no tracking update for {A}."),
          "If tracking hasn't updated for {A}, we open a claim with the carrier."),
        family="lost"),
    F("shipping", "saturday", (
        "do we deliver on saturdays?", "weekend delivery?", "is saturday delivery available",
        "how much is saturday delivery", "Can orders be delivered on the weekend?"),
        V(lambda r, c: {"A": w.money(r, 5, 15, sym=c["cur"])}, (
            "Saturday delivery is available for an extra {A}.",
            "Weekend delivery can be added at checkout for {A}."),
          "Saturday delivery costs an extra {A}."),
        V(const("not available", "not offered"), (
            "Saturday and Sunday delivery is {A}.",
            "Weekend delivery is currently {A}."),
          "Weekend delivery is {A}."),
        family="saturday"),
]

INTERNATIONAL = [
    F("intl", "countries", (
        "which countries do we ship to?", "do we ship internationally?",
        "where do we deliver outside the us",
        "international destinations?", "What countries does {brand} ship to?",
        "do we deliver abroad"),
        V(lambda r, c: {"A": w.join_list(w.pick_list(r, w.COUNTRIES, 2, 6), r)}, (
            "We currently ship to {A}.",
            "International delivery is available to {A}.",
            "Outside the US, we deliver to {A}."),
          "We ship to {A}."),
        family="countries", related=("excluded",)),
    F("intl", "excluded", (
        "where don't we ship?", "which regions can't we deliver to",
        "are there countries we don't ship to",
        "What destinations are excluded from shipping?"),
        V(lambda r, c: {"A": w.join_list(w.pick_list(r, w.REGIONS, 1, 3), r)}, (
            "We are unable to ship to {A} at this time.",
            "Unfortunately, we do not deliver to {A}.",
            "Orders cannot be shipped to {A}."),
          "We don't currently ship to {A}."),
        family="excluded"),
    F("intl", "rate", (
        "how much is international shipping?", "intl shipping rate?", "shipping cost to europe",
        "whats the fee to ship abroad", "What does international delivery cost?"),
        V(lambda r, c: {"A": w.money(r, 12, 45, sym=c["cur"])}, (
            "International orders ship for a flat {A}.",
            "We charge {A} for international delivery.",
            "Shipping outside the country costs {A} per order."),
          "International shipping costs {A}."),
        family="rate", related=("free_threshold",)),
    F("intl", "duties", (
        "who pays customs duties?", "are duties included?",
        "do international customers pay import tax",
        "customs fees on delivery?", "How are duties and taxes handled?",
        "will the customer be charged customs"),
        V(const("paid by the recipient on delivery", "included in the price at checkout",
                "the customer's responsibility", "prepaid at checkout",
                "collected by the carrier before delivery"), (
            "Import duties and taxes are {A}.",
            "For international orders, customs charges are {A}.",
            "Any duties or taxes are {A}."),
          "Duties and taxes are {A}."),
        family="duties"),
    F("intl", "time", (
        "how long does international shipping take?", "international delivery time?",
        "how many days to ship overseas", "When will an international order arrive?"),
        V(lambda r, c: {"A": w.day_range(r, 4, 21)}, (
            "Most international parcels are delivered in {A}.",
            "Please allow {A} for international delivery.",
            "Overseas parcels take {A}, plus any customs delays."),
          "International delivery takes {A}."),
        family="time"),
    F("intl", "free_threshold", (
        "is there free international shipping?", "free shipping threshold for international?",
        "how much to spend for free intl shipping", "When is international delivery free?"),
        V(lambda r, c: {"A": w.money(r, 100, 300, cents=False, sym=c["cur"])}, (
            "International shipping is free on orders over {A}.",
            "Spend {A} or more for free worldwide delivery."),
          "International shipping is free over {A}."),
        family="free_threshold", related=("shipping.free_threshold",)),
    F("intl", "currency", (
        "what currency are international customers charged in?", "do we charge in local currency",
        "currency at checkout?", "Which currency is used for international payments?"),
        V(const("US dollars", "the local currency", "Canadian dollars", "euros",
                "British pounds"), (
            "All international orders are charged in {A}.",
            "Prices at checkout are shown and charged in {A}.",
            "We bill international customers in {A}."),
          "International orders are charged in {A}."),
        family="currency"),
]

ORDERS = [
    F("orders", "cancel", (
        "can a customer cancel their order?", "how long do they have to cancel",
        "cancellation window?", "cust wants to cancel, is it too late",
        "What is the order cancellation policy?", "time limit to cancel an order"),
        V(lambda r, c: {"A": r.choice(("30 minutes", "1 hour", "one hour", "2 hours", "15 minutes",
                                        "24 hours", "60 minutes"))}, (
            "Orders can be cancelled within {A} of being placed.",
            "You have {A} after checkout to cancel your order.",
            "We start packing quickly, so cancellations are only possible within {A}."),
          "Orders can be cancelled within {A} of being placed."),
        family="cancel", related=("modify",)),
    F("orders", "address", (
        "can we change the shipping address?", "cust put the wrong address, can we fix it",
        "update delivery address after ordering?", "Can the delivery address be changed?"),
        V(const("until the order has been dispatched", "only before the order is packed",
                "within 1 hour of ordering", "until the shipping label is printed"), (
            "The delivery address can be changed {A}.",
            "Address changes are possible {A}.",
            "Customer care can update the address {A}."),
          "The address can be changed {A}."),
        family="address", related=("modify",)),
    F("orders", "modify", (
        "can items be added to an order?", "can a customer change the size on their order",
        "modify an order after placing it?", "Can an order be edited after checkout?"),
        V(const("cannot be edited once placed", "can be edited within 20 minutes",
                "cannot be changed after checkout"), (
            "Orders {A}; please place a new order instead.",
            "Please note that orders {A}."),
          "Orders {A}."),
        family="modify"),
    F("orders", "confirmation", (
        "when is the order confirmation sent?", "no confirmation email?",
        "how long until they get the order confirmation",
        "When does the confirmation email arrive?"),
        V(lambda r, c: {"A": r.choice(("5 minutes", "10 minutes", "15 minutes", "30 minutes",
                                        "an hour"))}, (
            "An order confirmation email is sent within {A} of purchase.",
            "You should receive a confirmation within {A} of checking out."),
          "The confirmation email is sent within {A} of purchase."),
        family="confirmation"),
    F("orders", "backorder", (
        "what happens with backordered items?", "when do backorders ship",
        "is the card charged for backorders", "How are backordered items handled?"),
        V(const("charged when they ship", "shipped separately at no extra cost",
                "shipped as soon as they are back in stock"), (
            "Backordered items are {A}.",
            "Any item on backorder is {A}."),
          "Backordered items are {A}."),
        family="backorder"),
    F("orders", "preorder_charge", (
        "when are pre-orders charged?", "do we take payment for preorders upfront",
        "preorder payment timing?", "When is a pre-order paid for?"),
        V(const("when the item ships", "at the time of ordering", "when it is dispatched",
                "once the item is ready to ship"), (
            "Pre-orders are charged {A}.",
            "For pre-order items, payment is taken {A}."),
          "Pre-orders are charged {A}."),
        family="preorder_charge"),
]

TOPICS_ORDERS = {"returns": RETURNS, "shipping": SHIPPING, "intl": INTERNATIONAL,
                 "orders": ORDERS}
