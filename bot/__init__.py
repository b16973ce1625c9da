"""Helpdesk bot for municipalities: OTAV FAQ, helpdesk hand-off and paging the flying brigade."""
