from selector.training.cli import main

raise SystemExit(main())
