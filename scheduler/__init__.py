"""APScheduler jobs: each is a plain function of `now` so it can be tested without a clock."""
