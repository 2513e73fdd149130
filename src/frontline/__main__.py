from frontline.cli import main

main()
