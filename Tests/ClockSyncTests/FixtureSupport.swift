import TestSupport

func fixture(_ relative: String) throws -> String {
    try readText(FixturePath.in("ClockSyncTests", relative))
}

/// Inputs every parser must refuse with an error (never a crash, never a silent zero).
let malformedInputs: [String] = [
    "",
    "\n\n",
    "garbage \u{01}\u{02} bytes",
    "\u{FFFD}\u{FFFD}",
    "7F000002,127.0.0.2,11",
    "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p",
]
