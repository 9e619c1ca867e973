//! What the sandbox reports for its workflows: the capabilities and steps that the tests of the
//! client, the CLI and the sandbox look for.

/// The capabilities of a 10011 (ID and identity) result.
pub const CAPABILITIES_10011: [&str; 6] = [
    "usability",
    "imageChecks",
    "extraction",
    "dataChecks",
    "liveness",
    "similarity",
];

/// The capabilities that a 10013 (ID, identity and screening) result has beyond those of 10011.
pub const CAPABILITIES_10013_EXTRA: [&str; 4] = [
    "watchlistScreening",
    "addressValidation",
    "proofOfResidency",
    "drivingLicenseVerification",
];

/// The names of the steps of a 10013 execution, in order.
pub const STEPS_10013: [&str; 4] = [
    "ID_IV",
    "SCREENING",
    "ADDRESS_VERIFICATION",
    "DL_VERIFICATION",
];
