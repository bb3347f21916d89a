"""Spiders of the xxgk crawler (`scrapy list`)."""
