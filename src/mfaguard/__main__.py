from mfaguard.cli import main

main()
