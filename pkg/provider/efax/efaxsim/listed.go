package efaxsim

// listed is a received fax as eFax's listing (GET /faxes/received) shows
// it. The members are those public client code reads [?], in its order;
// user_id is the simulator's own: it lists by user (the header user-id)
// and names each fax's user, so that a faxpipe listing without user ids —
// as the simulator's accounts configure none — can still download what it
// finds (the image request needs a user-id).
type listed struct {
	FaxID                string `json:"fax_id"`
	Size                 int    `json:"size"`
	Duration             int    `json:"duration"`
	Pages                int    `json:"pages"`
	ImageDownloaded      bool   `json:"image_downloaded"`
	CompletedTimestamp   string `json:"completed_timestamp"`
	OriginatingFaxNumber string `json:"originating_fax_number"`
	DestinationFaxNumber string `json:"destination_fax_number"`
	OriginatingFaxTSID   string `json:"originating_fax_tsid"`
	ResourceURL          string `json:"resource_url"`
	UserID               string `json:"user_id"`
}

// bytesPerPage estimates a listed fax's size: its document is made only
// when served, in the format asked for, so the listing cannot know it.
const bytesPerPage = 24 << 10

// listedOf is the listing's record of the received fax n notifies: the
// same fax, numbers, station id, time, pages and duration, its image on
// the same API, not downloaded yet.
func listedOf(n notification) listed {
	return listed{
		FaxID:                n.FaxID,
		Size:                 n.Pages * bytesPerPage,
		Duration:             n.Duration,
		Pages:                n.Pages,
		CompletedTimestamp:   n.CompletedTimestamp,
		OriginatingFaxNumber: n.SendingFaxNumber,
		DestinationFaxNumber: n.ReceivingFaxNumber,
		OriginatingFaxTSID:   n.OriginatingFaxTSID,
		ResourceURL:          n.ResourceURL,
		UserID:               n.UserID,
	}
}
