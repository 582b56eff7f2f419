package lockfile

// Severity is how bad a finding is.
type Severity string

// The severities of findings.
const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
)

// The rule IDs of DESIGN.md. They are stable: JSON output and workflow
// annotations carry them.
const (
	RuleSyntax         = "syntax"
	RuleNotPinned      = "not-pinned"
	RuleMissingHash    = "missing-hash"
	RuleNoSHA256       = "no-sha256"
	RuleBadHash        = "bad-hash"
	RuleEditable       = "editable"
	RuleUnhashable     = "unhashable"
	RuleDuplicate      = "duplicate"
	RuleUnsafeUnpinned = "unsafe-unpinned"
	RuleStale          = "stale"
	RuleOrphan         = "orphan"
	RuleCredentials    = "credentials"
	RuleInsecureIndex  = "insecure-index"
	RuleIncludeMissing = "include-missing"
	RuleHashUnknown    = "hash-unknown"
)
