"""ORM models. Import every model here so Alembic sees the whole metadata."""

from services.models.admin import Admin, AuditEntry
from services.models.base import Base
from services.models.broadcast import Broadcast, BroadcastRecipient
from services.models.interview import (
    Bookmark,
    CreditAccount,
    CreditEntry,
    InterviewAnswer,
    InterviewSession,
    Question,
    ReportShare,
    Specialization,
)
from services.models.marketplace import (
    BuyerAttachment,
    BuyerChat,
    BuyerMessage,
    MarketplaceAccount,
    Seller,
)
from services.models.payments import (
    Order,
    Payment,
    Price,
    PriceChange,
    Product,
    RefundRequest,
)
from services.models.user import User

__all__ = [
    "Admin",
    "AuditEntry",
    "Base",
    "Bookmark",
    "Broadcast",
    "BroadcastRecipient",
    "BuyerAttachment",
    "BuyerChat",
    "BuyerMessage",
    "CreditAccount",
    "CreditEntry",
    "InterviewAnswer",
    "InterviewSession",
    "MarketplaceAccount",
    "Order",
    "Payment",
    "Price",
    "PriceChange",
    "Product",
    "Question",
    "RefundRequest",
    "ReportShare",
    "Seller",
    "Specialization",
    "User",
]
