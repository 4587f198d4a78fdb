package eventpb

// Field numbers of event.proto, for the tests that write wire bytes by hand;
// TestFieldNumbersMatchTheProto keeps them in step with it.
const (
	fID                = 1
	fType              = 2
	fVersion           = 3
	fTenant            = 4
	fRegion            = 5
	fOccurredAt        = 6
	fReceivedAt        = 7
	fChannel           = 8
	fDirection         = 9
	fConversationID    = 10
	fCustomer          = 11
	fCustomerID        = 12
	fText              = 13
	fLanguage          = 14
	fPlatformMessageID = 15
	fSentAt            = 16
	fAttachments       = 17
	fAgentID           = 18
	fTeam              = 19
	fQueue             = 20
	fToQueue           = 21
	fFromRegion        = 22
	fToRegion          = 23
	fReason            = 24
	fSummary           = 25
	fScore             = 26
	fAction            = 27
	fIntent            = 28
	fConfidence        = 29
	fSentiment         = 30
	fProduct           = 31
	fSkills            = 32
	fAttributes        = 33

	cCountry    = 1
	cExternalID = 2
	cPhone      = 3
	cEmail      = 4
	cName       = 5
	cCRMID      = 6
	cTier       = 7
	cLocale     = 8

	tSeconds = 1
	tNanos   = 2
)
