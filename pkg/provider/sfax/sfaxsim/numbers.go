package sfaxsim

import "github.com/faxpipe/faxpipe/pkg/tools/sim"

// number is p as Sfax writes it: 1-5555551212.
func number(p sim.Phone) string { return p.Country + "-" + p.National }

// stationIDs are what fax machines put in their CSID/TSID.
var stationIDs = []string{"ACME CLINIC", "Riverside Medical", "Dr Patel Office", "COUNTY LAB", "Front Desk",
	"St Mary Radiology", "Northside Pharmacy", "BILLING"}
