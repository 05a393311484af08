from mfaguard.entry import main

main()
