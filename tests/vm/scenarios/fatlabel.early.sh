# shellcheck shell=sh
# Early boot, busybox sh + wishbox.static only: read the FAT disk's label,
# as an initramfs script looks for its boot partition by label.
# shellcheck source=tests/vm/lib.sh
. "$VM_DIR/lib.sh"
fat_label=$(vm_config fat_label)
fl=$WISHBOX_BIN/fatlabel

run "$fl" /dev/vda
if [ "$status" -eq 0 ] && [ "$output" = "$fat_label" ]; then
    ok "early: fatlabel /dev/vda prints '$fat_label'"
else
    not_ok "early: fatlabel /dev/vda should print '$fat_label'"
    show_run
fi
run "$fl" -J /dev/vda
if [ "$status" -eq 0 ] && [ "$(json_field label)" = "$fat_label" ] &&
    [ "$(json_field mounted)" = false ]; then
    ok "early: fatlabel -J /dev/vda (unmounted): method $(json_field method)"
else
    not_ok "early: fatlabel -J /dev/vda: label $fat_label, mounted false"
    show_run
fi

vm_done
