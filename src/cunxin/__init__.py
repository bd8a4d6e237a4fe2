"""cunxin (村信): an open village credit-points governance platform."""
