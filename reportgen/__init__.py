"""reportgen"""
