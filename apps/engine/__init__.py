"""The engine process: hosts the ACD engine, feeds it PBX events, agents' commands and the clock,
and writes its journal and live view."""
