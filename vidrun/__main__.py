"""`python -m vidrun ...` is the `vidrun` command."""
from vidrun.cli.main import main

if __name__ == "__main__":
    main()
