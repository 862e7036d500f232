"""The organisers' pages. Every figure comes from the tallies; every change goes through the
same services as the API; every page asks campaigns.access who may see it."""
