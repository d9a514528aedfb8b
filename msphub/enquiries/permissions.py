"""Page permissions of the enquiry app that ``accounts.permissions`` does not hold yet.

QUOTE_MODERATION belongs beside the others in ``accounts/permissions.py`` (so that ``can`` offers it
to templates); it is here until it moves.
"""

from msphub.core.access import Permission

# Consented quotes awaiting moderation before the Board sees them: team managers and the lead.
QUOTE_MODERATION = Permission("quote moderation", lambda user: user.is_manager or user.is_lead)
