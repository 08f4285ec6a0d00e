"""A resident's sign-up, step by step, kept in a server-side draft until the phone is verified.

Steps: contact -> location (address or device, then the pin) -> cameras -> agreement ->
verify -> done. Each step validates what it is given and saves it into the draft; what the
resident typed is saved as typed too (``save_typed``), so a reload or a dropped connection
loses nothing. Only ``verification.verify_and_register`` turns a draft into an owner.

One module per step; this package's namespace is the API the pages and tests use.
"""

from camshare.services.registration.agreement import accept_agreement
from camshare.services.registration.cameras import (
    CAMERA_FACES,
    CAMERA_KINDS,
    DIRECTIONS,
    MAX_CAMERA_ROWS,
    MAX_SITES,
    RECORDING_MODES,
    add_another_site,
    clean_camera_rows,
    remove_site,
    save_cameras,
    save_typed_cameras,
)
from camshare.services.registration.contact import (
    MAX_NAME,
    OWNER_KINDS,
    clean_name,
    save_contact,
)
from camshare.services.registration.drafts import (
    MAX_TYPED_VALUE,
    TYPED_FIELDS,
    DraftSnapshot,
    forget_signature,
    go_to_step,
    load_draft,
    load_snapshot,
    open_draft,
    open_draft_keeping,
    purge_expired_drafts,
    record_progress,
    save_draft,
    save_typed,
    set_language,
)
from camshare.services.registration.location import (
    LocationResult,
    confirm_pin,
    locate_address,
    locate_device,
    move_pin,
    site_address_key,
)

__all__ = [
    "CAMERA_FACES",
    "CAMERA_KINDS",
    "DIRECTIONS",
    "MAX_CAMERA_ROWS",
    "MAX_NAME",
    "MAX_SITES",
    "MAX_TYPED_VALUE",
    "OWNER_KINDS",
    "RECORDING_MODES",
    "TYPED_FIELDS",
    "DraftSnapshot",
    "LocationResult",
    "accept_agreement",
    "add_another_site",
    "clean_camera_rows",
    "clean_name",
    "confirm_pin",
    "forget_signature",
    "go_to_step",
    "load_draft",
    "load_snapshot",
    "locate_address",
    "locate_device",
    "move_pin",
    "open_draft",
    "open_draft_keeping",
    "purge_expired_drafts",
    "record_progress",
    "remove_site",
    "save_cameras",
    "save_contact",
    "save_draft",
    "save_typed",
    "save_typed_cameras",
    "set_language",
    "site_address_key",
]
