"""IVR trees as pure data (model), their validation and a deterministic interpreter (IN-06, IN-07, IN-19,
IN-24, IN-25, ADM-11)."""
