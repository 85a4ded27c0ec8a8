# fish completion for detect-pidns
complete -c detect-pidns -f
complete -c detect-pidns -s p -l pid -x -a '(__fish_complete_pids)' -d 'ask about process PID'
complete -c detect-pidns -s a -l all -d 'run every method and heuristic, show each verdict'
complete -c detect-pidns -s J -l json -d 'print the answer as JSON'
complete -c detect-pidns -s q -l quiet -d 'print nothing'
complete -c detect-pidns -l method -x -a 'auto pidfd nsfs fdinfo nsid' -d 'the method'
complete -c detect-pidns -s v -l verbose -d 'say which method is used and why'
complete -c detect-pidns -s h -l help -d 'display help'
complete -c detect-pidns -s V -l version -d 'display version'
