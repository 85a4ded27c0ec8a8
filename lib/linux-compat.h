/* Kernel UAPI newer than the build host's headers (Linux 6.1): constants,
 * structs and syscall numbers, each behind #ifndef, with the kernel release
 * that brought it. Values are x86_64/arm64 (asm-generic). Include after the
 * system headers. */
#ifndef WISHBOX_LINUX_COMPAT_H
#define WISHBOX_LINUX_COMPAT_H

#include <linux/types.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>

/* --- syscall numbers (x86_64 and arm64 share these) --- */
#ifndef __NR_pidfd_send_signal
#define __NR_pidfd_send_signal 424 /* 5.1 */
#endif
#ifndef __NR_pidfd_open
#define __NR_pidfd_open 434 /* 5.3 */
#endif
#ifndef __NR_openat2
#define __NR_openat2 437 /* 5.6 */
#endif
#ifndef __NR_clone3
#define __NR_clone3 435 /* 5.3 */
#endif
#ifndef __NR_pidfd_getfd
#define __NR_pidfd_getfd 438 /* 5.6 */
#endif
#ifndef __NR_statmount
#define __NR_statmount 457 /* 6.8 */
#endif
#ifndef __NR_listmount
#define __NR_listmount 458 /* 6.8 */
#endif
#ifndef __NR_listns
#define __NR_listns 470 /* 6.19 */
#endif

/* --- pidfd (include/uapi/linux/pidfd.h, wait.h) --- */
#ifndef P_PIDFD
#define P_PIDFD 3 /* 5.4; glibc 2.36 lacks it */
#endif
#ifndef PIDFD_NONBLOCK
#define PIDFD_NONBLOCK 04000 /* 5.10 */
#endif
#ifndef PIDFD_THREAD
#define PIDFD_THREAD 0200 /* 6.9, O_EXCL */
#endif
#ifndef PID_FS_MAGIC
#define PID_FS_MAGIC 0x50494446 /* 6.9: pidfs ("PIDF"); anon_inode before */
#endif
#ifndef PIDFD_GET_PID_NAMESPACE
#define PIDFD_GET_PID_NAMESPACE _IO(0xFF, 5) /* 6.11 */
#endif
#ifndef PIDFD_INFO_PID
#define PIDFD_INFO_PID (1UL << 0)      /* 6.13 */
#define PIDFD_INFO_CREDS (1UL << 1)    /* 6.13 */
#define PIDFD_INFO_CGROUPID (1UL << 2) /* 6.13 */
#endif
#ifndef PIDFD_INFO_EXIT
#define PIDFD_INFO_EXIT (1UL << 3) /* 6.15 */
#endif
#ifndef PIDFD_INFO_COREDUMP
#define PIDFD_INFO_COREDUMP (1UL << 4) /* 6.16 */
#define PIDFD_COREDUMPED (1U << 0)
#define PIDFD_COREDUMP_SKIP (1U << 1)
#define PIDFD_COREDUMP_USER (1U << 2)
#define PIDFD_COREDUMP_ROOT (1U << 3)
#endif

/* The 6.13 layout (64 bytes, PIDFD_INFO_SIZE_VER0) plus the 6.16 coredump
 * mask. The kernel matches PIDFD_GET_INFO by number and accepts any size of
 * at least 64; always test the returned mask bit before using a field. */
struct wb_pidfd_info {
	__u64 mask;
	__u64 cgroupid;
	__u32 pid;
	__u32 tgid;
	__u32 ppid;
	__u32 ruid;
	__u32 rgid;
	__u32 euid;
	__u32 egid;
	__u32 suid;
	__u32 sgid;
	__u32 fsuid;
	__u32 fsgid;
	__s32 exit_code; /* wait-status encoding */
	__u32 coredump_mask; /* 6.16 */
	__u32 coredump_signal; /* 6.19 */
};
#define WB_PIDFD_GET_INFO _IOWR(0xFF, 11, struct wb_pidfd_info) /* 6.13 */

/* --- proc connector (include/uapi/linux/cn_proc.h) --- */
#ifndef PROC_EVENT_NONZERO_EXIT
#define PROC_EVENT_NONZERO_EXIT 0x20000000 /* 6.6 */
#endif
/* struct proc_input (6.6) lets a listener ask for some events only. */
struct wb_proc_input {
	__u32 mcast_op;
	__u32 event_type;
};

/* --- fanotify mount events (include/uapi/linux/fanotify.h), all 6.15 --- */
#ifndef FAN_MNT_ATTACH
#define FAN_MNT_ATTACH 0x01000000
#define FAN_MNT_DETACH 0x02000000
#endif
#ifndef FAN_REPORT_MNT
#define FAN_REPORT_MNT 0x00004000
#endif
#ifndef FAN_MARK_MNTNS
#define FAN_MARK_MNTNS 0x00000110
#endif
#ifndef FAN_EVENT_INFO_TYPE_MNT
#define FAN_EVENT_INFO_TYPE_MNT 7
#endif
struct wb_fanotify_event_info_mnt {
	__u8 info_type;
	__u8 pad;
	__u16 len;
	__u64 mnt_id;
}; /* mnt_id at offset 8, 16 bytes in all */

/* --- statmount / listmount (include/uapi/linux/mount.h) --- */
struct wb_mnt_id_req {
	__u32 size;
	__u32 mnt_ns_fd; /* 6.18; spare before */
	__u64 mnt_id;
	__u64 param;
	__u64 mnt_ns_id; /* 6.11 (MNT_ID_REQ_SIZE_VER1) */
};
#define WB_MNT_ID_REQ_SIZE_VER0 24 /* 6.8 */
#define WB_MNT_ID_REQ_SIZE_VER1 32 /* 6.11 */

struct wb_statmount {
	__u32 size;
	__u32 mnt_opts; /* 6.11, [str] */
	__u64 mask;
	__u32 sb_dev_major;
	__u32 sb_dev_minor;
	__u64 sb_magic;
	__u32 sb_flags;
	__u32 fs_type; /* [str] */
	__u64 mnt_id;
	__u64 mnt_parent_id;
	__u32 mnt_id_old;
	__u32 mnt_parent_id_old;
	__u64 mnt_attr;
	__u64 mnt_propagation;
	__u64 mnt_peer_group;
	__u64 mnt_master;
	__u64 propagate_from;
	__u32 mnt_root; /* [str] */
	__u32 mnt_point; /* [str] */
	__u64 mnt_ns_id; /* 6.11 */
	__u32 fs_subtype; /* 6.13, [str] */
	__u32 sb_source; /* 6.13, [str] */
	__u32 opt_num;
	__u32 opt_array;
	__u32 opt_sec_num;
	__u32 opt_sec_array;
	__u64 supported_mask; /* 6.15 */
	__u32 mnt_uidmap_num;
	__u32 mnt_uidmap;
	__u32 mnt_gidmap_num;
	__u32 mnt_gidmap;
	__u64 spare2[43];
	char str[]; /* at offset 512 */
};

#ifndef LSMT_ROOT
#define LSMT_ROOT 0xffffffffffffffffULL /* 6.8 */
#endif
#ifndef LISTMOUNT_REVERSE
#define LISTMOUNT_REVERSE (1 << 0) /* 6.11 */
#endif
#ifndef STATMOUNT_SB_BASIC
#define STATMOUNT_SB_BASIC 0x00000001U /* 6.8 */
#define STATMOUNT_MNT_BASIC 0x00000002U
#define STATMOUNT_PROPAGATE_FROM 0x00000004U
#define STATMOUNT_MNT_ROOT 0x00000008U
#define STATMOUNT_MNT_POINT 0x00000010U
#define STATMOUNT_FS_TYPE 0x00000020U
#endif
#ifndef STATMOUNT_MNT_NS_ID
#define STATMOUNT_MNT_NS_ID 0x00000040U /* 6.11 */
#define STATMOUNT_MNT_OPTS 0x00000080U
#endif
#ifndef STATMOUNT_FS_SUBTYPE
#define STATMOUNT_FS_SUBTYPE 0x00000100U /* 6.13 */
#define STATMOUNT_SB_SOURCE 0x00000200U
#define STATMOUNT_OPT_ARRAY 0x00000400U
#define STATMOUNT_OPT_SEC_ARRAY 0x00000800U
#endif
#ifndef STATMOUNT_SUPPORTED_MASK
#define STATMOUNT_SUPPORTED_MASK 0x00001000U /* 6.15 */
#endif
#ifndef STATX_MNT_ID_UNIQUE
#define STATX_MNT_ID_UNIQUE 0x00004000U /* 6.8 */
#endif

/* --- filesystem label / UUID (include/uapi/linux/fs.h) --- */
#ifndef FSLABEL_MAX
#define FSLABEL_MAX 256 /* 4.18 */
#endif
#ifndef FS_IOC_GETFSLABEL
#define FS_IOC_GETFSLABEL _IOR(0x94, 49, char[FSLABEL_MAX]) /* 4.18 */
#define FS_IOC_SETFSLABEL _IOW(0x94, 50, char[FSLABEL_MAX])
#endif
struct wb_fsuuid2 {
	__u8 len;
	__u8 uuid[16];
};
#ifndef FS_IOC_GETFSUUID
#define FS_IOC_GETFSUUID _IOR(0x15, 0, struct wb_fsuuid2) /* 6.9 */
#endif
struct wb_fs_sysfs_path {
	__u8 len;
	__u8 name[128];
};
#ifndef FS_IOC_GETFSSYSFSPATH
#define FS_IOC_GETFSSYSFSPATH _IOR(0x15, 1, struct wb_fs_sysfs_path) /* 6.9 */
#endif
#ifndef FAT_IOCTL_GET_VOLUME_ID
#define FAT_IOCTL_GET_VOLUME_ID _IOR('r', 0x13, __u32) /* 3.11 */
#endif

/* --- namespaces (include/uapi/linux/nsfs.h) --- */
#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif
#ifndef PROC_PID_INIT_INO
#define PROC_PID_INIT_INO 0xEFFFFFFCU /* 3.8; UAPI enum only from 6.17 */
#endif
#ifndef NS_GET_MNTNS_ID
#define NS_GET_MNTNS_ID _IOR(0xb7, 5, __u64) /* 6.12 */
#endif
#ifndef NS_GET_PID_FROM_PIDNS
#define NS_GET_PID_FROM_PIDNS _IOR(0xb7, 6, int) /* 6.11 */
#define NS_GET_TGID_FROM_PIDNS _IOR(0xb7, 7, int)
#define NS_GET_PID_IN_PIDNS _IOR(0xb7, 8, int)
#define NS_GET_TGID_IN_PIDNS _IOR(0xb7, 9, int)
#endif
#ifndef NS_GET_ID
#define NS_GET_ID _IOR(0xb7, 13, __u64) /* 6.18 */
#endif
/* 6.19: fixed ids for the initial namespaces (enum init_ns_id, an enum in
 * the UAPI header, hence a name of our own); the PID one is 4. */
#define WB_PID_NS_INIT_ID 4

/* --- AF_UNIX (include/uapi/asm-generic/socket.h) --- */
#ifndef SO_PASSPIDFD
#define SO_PASSPIDFD 76 /* 6.5 */
#define SO_PEERPIDFD 77
#endif
#ifndef SCM_PIDFD
#define SCM_PIDFD 4 /* 6.5 */
#endif
#ifndef SO_PASSRIGHTS
#define SO_PASSRIGHTS 83 /* 6.16 */
#endif

#endif
