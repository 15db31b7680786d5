"""What agents record about a call (IN-12, AG-04, AG-13, REC-01) and their own history and
statistics (AG-05, AG-07, AG-08, AG-09, AG-15)."""
