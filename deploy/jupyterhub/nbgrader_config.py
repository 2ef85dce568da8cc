"""nbgrader settings shared by every account of the class server.

Installed by setup.sh as /etc/jupyter/nbgrader_config.py, so that every
nbgrader command and every Jupyter server on the machine (the instructor's
and each student's) loads it. It says which course this server runs and
where the exchange is; the course's own settings (solutions/ -> exercises/,
timeouts, feedback without hidden tests) stay in the course folder's
nbgrader_config.py, the repository's own file, which the instructor's
~/.jupyter/nbgrader_config.py loads.

nbgrader 0.9.6, default (file system) exchange.

What the default exchange already does (read in nbgrader/exchange/default/):
- the exchange root must be mode 777 (the sticky bit, 1777, is kept);
- `release_assignment` makes <course>/outbound 0755 and <course>/inbound
  2733 (students may write and enter, not list), owned by the instructor;
- `submit` writes <student>+<assignment>+<time>+<random> into inbound,
  hidden because nobody but the instructor can list inbound;
- `release_feedback` writes feedback/<hmac>.html into a 0711 folder, the
  name keyed by a secret only the student's submission holds.

What it leaves open, and what this file closes: a submission's files are
0644 in a 0777 folder and released feedback is 0644, so anyone who learns
a path can read it (and, for a submission, change or delete it). The two
classes below keep nbgrader's behaviour and then narrow the permissions:

- a submission: files 0640, folders 0750 (the top one 0770 so the
  instructor can still delete it), group = the inbound folder's group
  (the instructor's, through inbound's set-group-id bit, which the copy
  into inbound keeps: nbgrader's own copy drops it, see do_copy);
- a released feedback page: 0640 plus a POSIX ACL entry that lets its
  own student (nbgrader's student id is the login name) read it.

Where that cannot be done (a file system without ACLs, an inbound folder
without the set-group-id bit) they log a warning and leave nbgrader's
permissions, so no one loses a submission or their feedback.
"""

import errno
import glob
import os
import pwd
import re
import shutil
import struct

from nbgrader.exchange.default import (
    ExchangeReleaseFeedback as _ReleaseFeedback,
    ExchangeSubmit as _Submit,
)
from nbgrader.utils import ignore_patterns, notebook_hash

c = get_config()  # noqa: F821 (traitlets provides get_config)

# --- Which course, which exchange ---------------------------------------------
# The course id names the folder in the exchange; it must match the course
# folder's nbgrader_config.py ("trainer-billing").
c.CourseDirectory.course_id = "trainer-billing"
# Root-owned, mode 1777 (setup.sh). Not the default /usr/local/share/...,
# so that it survives reinstalling Python and sits with the server's data.
c.Exchange.root = "/srv/nbgrader/exchange"
# One course per server: assignments land in ~/npi_and_units, not in
# ~/trainer-billing/npi_and_units.
c.Exchange.path_includes_course = False


# --- Tighter permissions on top of the default exchange ----------------------

# POSIX ACL in the kernel's extended-attribute form (see acl(5) and
# <linux/posix_acl_xattr.h>): a version word, then (tag, perm, id) entries
# in tag order. Written directly so that no `acl` package is needed.
_ACL_VERSION = 2
_USER_OBJ, _USER, _GROUP_OBJ, _MASK, _OTHER = 0x01, 0x02, 0x04, 0x10, 0x20
_NO_ID = 0xFFFFFFFF
_R, _W = 4, 2


def _acl_owner_group_and_one_reader(uid):
    entries = [
        (_USER_OBJ, _R | _W, _NO_ID),
        (_USER, _R, uid),
        (_GROUP_OBJ, _R, _NO_ID),
        (_MASK, _R, _NO_ID),
        (_OTHER, 0, _NO_ID),
    ]
    return struct.pack("<I", _ACL_VERSION) + b"".join(
        struct.pack("<HHI", tag, perm, ident) for tag, perm, ident in entries)


def _make_private(top, log):
    """Files 0640, folders 0750, `top` itself 0770; the group is kept."""
    for dirpath, _, filenames in os.walk(top):
        for name in filenames:
            os.chmod(os.path.join(dirpath, name), 0o640)
        os.chmod(dirpath, 0o770 if dirpath == top else 0o750)
    log.info("Submission readable by its owner and group only: %s", top)


class PrivateSubmit(_Submit):
    """`nbgrader submit`, with the submission closed to other students."""

    def do_copy(self, src, dest, log=None):
        """Copy into inbound without copying folder modes.

        nbgrader's copy (shutil.copytree) ends by giving each new folder
        the mode of the student's folder, which drops the set-group-id bit
        inherited from inbound; timestamp.txt and submission_secret.txt,
        written next, then get the student's group and the instructor could
        not read them once they are 0640. Here folders are only created, so
        everything in the submission gets inbound's group.
        """
        if os.path.dirname(os.path.abspath(dest)) != os.path.abspath(
                self.inbound_path):
            return super().do_copy(src, dest, log)  # the student's cache
        size, limit = self.get_size(src), 1000 * self.coursedir.max_dir_size
        if size > limit:
            self.log.error("Directory size is too big")
            raise RuntimeError(f"Directory size is too big. Size is {size}, "
                               f"maximum size is {limit}")
        ignore = ignore_patterns(exclude=self.coursedir.ignore,
                                 include=self.coursedir.include,
                                 max_file_size=self.coursedir.max_file_size,
                                 log=self.log)
        for dirpath, dirnames, filenames in os.walk(src):
            target = os.path.normpath(
                os.path.join(dest, os.path.relpath(dirpath, src)))
            os.mkdir(target)
            ignored = ignore(dirpath, dirnames + filenames)
            dirnames[:] = [d for d in dirnames if d not in ignored]
            for name in filenames:
                if name not in ignored:
                    shutil.copyfile(os.path.join(dirpath, name),
                                    os.path.join(target, name))

    def copy_files(self):
        super().copy_files()
        dest = os.path.join(self.inbound_path, self.assignment_filename)
        gid = os.stat(self.inbound_path).st_gid
        if any(os.stat(os.path.join(d, f)).st_gid != gid
               for d, _, files in os.walk(dest) for f in [".", *files]):
            # Without set-group-id on inbound the files would be in the
            # student's own group and the instructor could not collect.
            self.log.warning(
                "%s is not set-group-id: leaving nbgrader's permissions on "
                "the submission (other students could read it by name)",
                self.inbound_path)
            return
        _make_private(dest, self.log)


class PrivateReleaseFeedback(_ReleaseFeedback):
    """`nbgrader release_feedback`, each page readable by its student only."""

    def _sources(self):
        """Yield (html file, student id, checksum), as nbgrader names them."""
        regexp = re.escape(os.path.sep).join([
            self.coursedir.format_path(
                self.coursedir.feedback_directory, "(?P<student_id>.*)",
                self.coursedir.assignment_id, escape=True),
            "(?P<notebook_id>.*).html",
        ])
        for html_file in glob.glob(os.path.join(self.src_path, "*.html")):
            match = re.match(regexp, html_file)
            secret = os.path.join(os.path.dirname(html_file),
                                  "submission_secret.txt")
            if match is None or not os.path.exists(secret):
                continue
            with open(secret) as fh:
                checksum = notebook_hash(secret=fh.read(),
                                         notebook_id=match["notebook_id"])
            yield html_file, match["student_id"], checksum

    def copy_files(self):
        sources = list(self._sources())
        # shutil.copy keeps the source's mode: close the source first, so
        # the released copy is never world-readable, not even for a moment.
        for html_file, _, _ in sources:
            os.chmod(html_file, 0o600)
        super().copy_files()
        for _, student_id, checksum in sources:
            released = os.path.join(self.dest_path, f"{checksum}.html")
            if os.path.exists(released):
                self._let_only_the_student_read(released, student_id)

    def _let_only_the_student_read(self, path, student_id):
        try:
            uid = pwd.getpwnam(student_id).pw_uid
            os.setxattr(path, "system.posix_acl_access",
                        _acl_owner_group_and_one_reader(uid))
        except (KeyError, OSError) as error:
            if isinstance(error, OSError) and error.errno not in (
                    errno.ENOTSUP, errno.EOPNOTSUPP, errno.EPERM):
                raise
            # No such login, or no ACLs here: fall back to nbgrader's
            # 0644 (the name is still a secret only the student holds).
            self.log.warning("Cannot restrict %s to %s (%s): leaving it 0644",
                             path, student_id, error)
            os.chmod(path, 0o644)


c.ExchangeFactory.submit = PrivateSubmit
c.ExchangeFactory.release_feedback = PrivateReleaseFeedback
