# fish completion for fatlabel
complete -c fatlabel -F
complete -c fatlabel -s r -l reset -d 'remove the label (with -i: a new random ID)'
complete -c fatlabel -s i -l volume-id -d 'print or set the volume ID'
complete -c fatlabel -l new-volume-id -d 'set a new random volume ID'
complete -c fatlabel -s c -l codepage -x -a '437 850 852 858 866' -d 'code page of FAT labels'
complete -c fatlabel -s J -l json -d 'JSON output'
complete -c fatlabel -l method -x -a 'auto ioctl remount offline' -d 'method to use'
complete -c fatlabel -s v -l verbose -d 'say which method and why'
complete -c fatlabel -s h -l help -d 'display help'
complete -c fatlabel -s V -l version -d 'display version'
