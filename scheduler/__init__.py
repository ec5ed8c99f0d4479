"""nqbot's scheduler: the jobs that nudge late units and send the staff digest."""
