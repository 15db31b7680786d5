"""The contact centre's organisation: workplaces, queues and their hours, skills, pauses,
categories, transfer-panel lines and report access."""
