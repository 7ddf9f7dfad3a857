"""Questions that describe the customer's situation instead of naming the policy.

Agents relay what the customer says: "cust says the tracking shows delivered but nothing
arrived, what now" is a question about the lost-parcel clause although it names neither
"lost" nor "policy". The template questions of `topics_*` always name the fact, and
`noise.agent_style` only wraps them in a situation ("cust says she ordered last week,
{question}"), so the reader never had to map a situation to the clause that settles it.

`SITUATIONS` gives, for the facts where a customer's situation is the natural way to ask,
situations written as an agent would relay them (third person, mid-chat, no policy word
where a customer would not use one). The same situation is asked of passages that state
the fact (the span that settles it is the answer) and of same-topic passages that do not
(a hard negative: the page is about returns but says nothing about this case).

`MEMBERSHIP` gives, for facts whose answer is a list drawn from a vocabulary pool, yes/no
questions about one member: "do we ship to japan?" is answered by the member's name when
the list holds it, and is a same-topic hard negative when it does not (a country not in
the shipping list, a payment method not accepted, a carrier not used).
"""

from __future__ import annotations

import re
from random import Random

from training.synth import vocab as w

SITUATIONS: dict[str, tuple[str, ...]] = {
    "returns.window": (
        "the parcel came a good while back and only now she has decided she doesn't like it",
        "he received the jacket a while ago and only now wants to return it",
    ),
    "returns.exchange_window": (
        "she wants to swap her jeans for a bigger size, she's had them a few weeks",
        "he needs a different size but the order arrived a while back",
    ),
    "returns.refund_method": (
        "she paid by card and wants to know if the money goes back onto it",
        "he returned a coat and is asking how he'll get his money back",
    ),
    "returns.refund_time": (
        "she sent her return back last week and still hasn't seen the money",
        "he's waiting on a refund and wants to know how long it takes",
    ),
    "returns.restocking": (
        "she wants to return a coat but is worried she'll be charged a fee for it",
        "he's asking if we take anything off the refund when he sends something back",
    ),
    "returns.return_shipping": (
        "she's asking if she has to pay postage to send her return back",
        "he wants to return something and asks who covers the shipping",
    ),
    "returns.condition": (
        "she tried the trainers on outside a couple of times and now wants to send them back",
        "he took the tags off the shirt, can he still return it",
    ),
    "returns.sale": (
        "she picked up a marked-down skirt and it doesn't fit",
        "he got the boots on clearance and they don't fit",
    ),
    "returns.nonreturnable": (
        "she wants to send back earrings and a swimsuit",
        "he's asking if there's anything he can't return",
    ),
    "returns.start": (
        "she wants to send something back but doesn't know where to start",
        "he has an item to return and is asking what to do first",
    ),
    "returns.receipt": (
        "she got a sweater as a present with no receipt and wants to return it",
        "he lost the receipt and wants to bring something back",
    ),
    "returns.damaged": (
        "her jacket arrived with a ripped seam, what now",
        "the bag he ordered came broken, what do we do",
    ),
    "returns.holiday": (
        "she bought a gift in november, can it still be returned after the holidays",
        "he's shopping for christmas presents early and worries about returning them",
    ),
    "shipping.standard_cost": (
        "she's at checkout and asking what normal delivery will cost",
        "he's in no rush, what does the normal option cost him",
    ),
    "shipping.express_cost": (
        "she needs it sooner and asks what the faster delivery costs",
        "he wants to upgrade to express, what will that cost him",
    ),
    "shipping.overnight_cost": (
        "she needs the dress by tomorrow for a wedding, how much to get it next day",
        "he needs it delivered tomorrow, what does that cost",
    ),
    "shipping.standard_time": (
        "she ordered yesterday with regular delivery, when will it turn up",
        "he picked the basic delivery option, when should it reach him",
    ),
    "shipping.express_time": (
        "she paid for express and wants to know when it will arrive",
        "he upgraded to the fast option, how quickly does it come",
    ),
    "shipping.free_threshold": (
        "she wants free delivery, how much does she need to spend",
        "he's just short of free shipping and asks what the minimum is",
    ),
    "shipping.cutoff": (
        "she wants her order to go out today, by what time does she have to order",
        "he's ordering this afternoon and hopes it ships the same day",
    ),
    "shipping.processing": (
        "she placed an order this morning and asks when it will be packed",
        "he ordered an hour ago, how long before it leaves the warehouse",
    ),
    "shipping.carriers": (
        "she wants to know who will be delivering her parcel",
        "he's asking which courier brings the orders",
    ),
    "shipping.po_box": (
        "she only has a po box address, can we deliver there",
        "he wants his order sent to his post office box",
    ),
    "shipping.tracking": (
        "she ordered two days ago and hasn't got a tracking number yet",
        "he has no tracking link for his order, when does that come",
    ),
    "shipping.lost": (
        "the courier marked the parcel as handed over but her doorstep was empty",
        "his parcel hasn't moved in tracking for ages and never showed up",
    ),
    "shipping.saturday": (
        "she's at work all week, can the parcel come on a saturday",
        "he's only home at the weekend, will we deliver then",
    ),
    "intl.countries": (
        "she's moving abroad and asks where we can ship to",
        "he lives overseas and wants to know if he can order from us",
    ),
    "intl.duties": (
        "she was asked to pay import fees at the door, who covers that",
        "he got a customs bill for his order and is annoyed",
    ),
    "intl.rate": (
        "she lives overseas and asks what delivery will cost her",
        "he lives overseas, what's the delivery charge for him",
    ),
    "intl.time": (
        "she's ordering from another country and asks how long it takes to reach her",
        "he's abroad and wants to know when his order will get there",
    ),
    "intl.currency": (
        "she's abroad and wonders what currency she'll be charged in",
        "he's worried about being billed in a foreign currency",
    ),
    "orders.cancel": (
        "she ordered by mistake an hour ago and wants to cancel",
        "he changed his mind right after ordering, can we stop it",
    ),
    "orders.address": (
        "she just moved and the order is going to her old address",
        "he typed the wrong address at checkout, can we fix it",
    ),
    "orders.modify": (
        "she wants to put one more item into an order she placed this morning",
        "he wants to change the size on an order he just placed",
    ),
    "orders.confirmation": (
        "she placed an order but never got a confirmation email",
        "he's not sure his order went through, nothing in his inbox",
    ),
    "orders.backorder": (
        "she ordered a coat that's on backorder, what happens now",
        "part of his order is out of stock, when does he get it",
    ),
    "orders.preorder_charge": (
        "she reserved an item that isn't out yet, does the money leave her account now",
        "he's asking if he pays for a pre-order now or later",
    ),
    "payments.methods": (
        "she doesn't have a credit card, how else can she pay",
        "he's asking which ways he can pay at checkout",
    ),
    "payments.bnpl": (
        "she wants to spread the cost of a coat over a few months",
        "he'd like to pay in instalments",
    ),
    "payments.charged": (
        "she sees a charge on her card before the order shipped",
        "he's asking when exactly the money comes off his card",
    ),
    "payments.price_adjust": (
        "the price fell a few days after she paid, is any money coming back to her",
        "the price dropped right after he ordered, can we refund the difference",
    ),
    "payments.promo_stack": (
        "she has two codes and wants to use both on one order",
        "he has a welcome code and a sale voucher and wants them both applied",
    ),
    "payments.declined": (
        "checkout keeps rejecting her card",
        "his payment won't go through, what should he do",
    ),
    "discounts.student": (
        "she's at university and asking if there's a discount for her",
        "he's a student, is there anything off for him",
    ),
    "discounts.military": (
        "she served in the navy for years, anything off for her",
        "he serves in the armed forces, do we do anything for that",
    ),
    "discounts.newsletter": (
        "she's asking what she gets if she signs up for our emails",
        "he wants to know if joining the mailing list gets him anything",
    ),
    "discounts.price_match": (
        "she found the same jacket cheaper on another site",
        "he saw it for less at a competitor, can we match that",
    ),
    "giftcards.expiry": (
        "she found an old gift card from two years ago, can she still use it",
        "he's had a gift card in a drawer for ages, is it still good",
    ),
    "giftcards.amounts": (
        "she wants to buy a gift card, what values can she choose",
        "he's asking how much he can put on a gift card",
    ),
    "giftcards.balance": (
        "she isn't sure what's still loaded on her voucher card",
        "he's not sure what's still on his card",
    ),
    "giftcards.lost": (
        "she misplaced her gift card before spending any of it",
        "his gift card went missing before he used it",
    ),
    "giftcards.where": (
        "she would like to spend a gift card at the till rather than online",
        "he has a gift card and wants to spend it online",
    ),
    "giftcards.delivery": (
        "she bought an e-gift card for a birthday today, when does it arrive",
        "he sent a digital gift card and his friend hasn't got it yet",
    ),
    "loyalty.earn": (
        "she just spent a lot and asks how many points she gets",
        "he's asking how points add up when he shops",
    ),
    "loyalty.points_expiry": (
        "she hasn't shopped in a year, are her points still there",
        "he's worried his points will run out",
    ),
    "loyalty.birthday": (
        "her birthday is next week and she asks if members get anything",
        "he's a member and wants to know if there's a birthday treat",
    ),
    "loyalty.join_fee": (
        "she wants to join the rewards program but worries about the cost",
        "he's asking if signing up for rewards is free",
    ),
    "loyalty.reward_value": (
        "she has a pile of points and asks what a reward is worth",
        "he's earned a reward and wants to know how much it takes off",
    ),
    "warranty.length": (
        "her boots fell apart after eight months, are they still covered",
        "his bag broke after a year, is it still under warranty",
    ),
    "warranty.covers": (
        "her zip broke after a month, does the guarantee cover it",
        "the seams on his jacket came apart, would we fix that",
    ),
    "warranty.excludes": (
        "her bag got torn by her dog, is that covered",
        "he shrank his sweater in the dryer and wants it replaced",
    ),
    "warranty.claim": (
        "she wants to claim on the warranty, how does she go about it",
        "his item is faulty and he wants to use the guarantee",
    ),
    "repairs.free_period": (
        "she bought jeans two months ago and wants them mended, is it free",
        "he wants a repair on something fairly new, will he pay",
    ),
    "repairs.hemming": (
        "she wants her new trousers taken up, how much is that",
        "his jeans are too long, what do we charge to shorten them",
    ),
    "repairs.turnaround": (
        "she left a coat with us to be mended, when can she pick it up",
        "he's waiting on a repair and asks how long it takes",
    ),
    "repairs.zip": (
        "her jacket zip broke, how much to replace it",
        "he needs a new zip put in his coat",
    ),
    "rental.period": (
        "she wants to rent a dress for a wedding, how long can she keep it",
        "he's renting a suit and asks when it has to come back",
    ),
    "rental.late_fee": (
        "she's returning a rented dress three days late, will she be charged",
        "he missed the return date on his rental",
    ),
    "rental.subscription": (
        "she's asking how much the monthly rental plan costs",
        "he wants to sign up for the rental subscription, what's the price",
    ),
    "rental.damage": (
        "she spilled wine on a rented dress, what happens",
        "he tore the rental suit at a party",
    ),
    "services.styling": (
        "she wants help putting together an outfit for an event",
        "he'd like someone to pick clothes for him",
    ),
    "services.pickup_hold": (
        "she can't collect her order until next week, how long will the store keep it",
        "he's away and can't pick up his order for a while",
    ),
    "services.pickup_ready": (
        "she ordered for in-store pickup, when can she collect it",
        "he chose click and collect and wants to know when to come in",
    ),
    "services.care_hours": (
        "she wants to call tonight, is anyone there",
        "he wants to reach someone on the weekend",
    ),
    "services.phone": (
        "she'd rather call than chat, what number should she use",
        "he wants to speak to someone on the phone",
    ),
    "services.email_response": (
        "she emailed yesterday and hasn't heard back",
        "he sent an email and wants to know when he'll get a reply",
    ),
    "services.email": (
        "she wants to email us, what address does she use",
        "he wants to send photos of the item by email",
    ),
    "stores.hours": (
        "she wants to come in after work, when does the store close",
        "he wants to visit in the morning, what time do we open",
    ),
    "stores.sunday": (
        "she can only visit on the weekend, is the store open on sunday",
        "he wants to drop by on sunday",
    ),
    "stores.holidays": (
        "she wants to shop on a public holiday, will we be open",
        "he's planning to come in over the holidays",
    ),
    "stores.flagship": (
        "she's visiting town and wants to see the main store",
        "he wants to go to our biggest shop",
    ),
    "stores.giftwrap": (
        "she's buying a present and asks if we can wrap it",
        "he wants his gift packed nicely",
    ),
    "account.reset": (
        "she asked for a password reset yesterday and the link doesn't work",
        "his reset email is a day old, can he still use it",
    ),
    "account.delete": (
        "she wants her account removed, how long will that take",
        "he asked us to close his account",
    ),
    "account.guest": (
        "she doesn't want to make an account, can she still order",
        "he'd rather check out without signing up",
    ),
    "green.takeback": (
        "she has old clothes she wants to recycle",
        "he's asking if we take back worn-out items",
    ),
    "green.packaging": (
        "she's worried about plastic in our packaging",
        "he wants to know if the box can be recycled",
    ),
}

FRAMES = (
    "cust says {s}", "customer says {s}", "cust on chat: {s}", "{s}, what do i tell her",
    "got a customer, {s}", "customer emailed - {s}", "cx: {s}", "cust {s}",
    "hi team, customer {s}", "{s} - any advice?", "cust says {s}, what now",
    "customer on the phone, {s}", "{s}",
)

MEMBERSHIP: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "intl.countries": (w.COUNTRIES, (
        "do we ship to {x}?", "can we deliver to {x}", "shipping to {x}?",
        "cust based in {x}, can she order from us", "do you ship to {x}", "{x} delivery?",
        "is {x} on our shipping list")),
    "payments.methods": (w.PAYMENT_METHODS, (
        "do we take {x}?", "can cust pay with {x}", "{x} accepted?", "do we accept {x}",
        "customer wants to pay by {x}, is that ok")),
    "shipping.carriers": (w.CARRIERS, (
        "do we ship with {x}?", "is {x} one of our carriers", "do we use {x}",
        "cust asking if it comes by {x}")),
}


def situation_question(key: str, rng: Random) -> str | None:
    """A relayed situation asking about fact `key`, or None when it has none."""
    options = SITUATIONS.get(key)
    if not options:
        return None
    text = rng.choice(FRAMES).format(s=rng.choice(options))
    return text if rng.random() < 0.6 else text + "?"


def list_members(answer: str, pool: tuple[str, ...]) -> list[str]:
    """The pool entries a rendered list answer names (whole words, exact case)."""
    return [m for m in pool if re.search(rf"(?<!\w){re.escape(m)}(?!\w)", answer)]


def member_offset(answer: str, member: str) -> int:
    """Where `member` starts in `answer`, as a whole word (as `list_members` finds it)."""
    found = re.search(rf"(?<!\w){re.escape(member)}(?!\w)", answer)
    if found is None:
        raise ValueError(f"{member!r} is not named in {answer!r}")
    return found.start()


def membership_question(key: str, answer: str, rng: Random) -> tuple[str, str] | None:
    """(question, answer) about one member of a list fact; answer "" for a non-member.

    Half the time the member is one the list names (its name is the answer); otherwise
    one from the same pool that it does not name (a same-topic hard negative).
    """
    spec = MEMBERSHIP.get(key)
    if spec is None:
        return None
    pool, templates = spec
    named = list_members(answer, pool)
    absent = [m for m in pool if m not in named and not any(m in n or n in m for n in named)]
    if named and (not absent or rng.random() < 0.5):
        member, gold = rng.choice(named), None
    elif absent:
        member, gold = rng.choice(absent), ""
    else:
        return None
    member = member.removeprefix("the ")  # "do we ship to united kingdom" -> that span
    asked = member if rng.random() < 0.5 else member.lower()
    question = rng.choice(templates).format(x=asked)
    return question, member if gold is None else gold
