"""Callback requests (IN-09, IN-26, AG-17): a caller asks to be called back instead of waiting.

A request keeps the caller's place in line (a virtual contact), may carry a preferred time entered
by DTMF, and is worked by agents through a small state machine that records every attempt.
"""
