package capture

// Ext is the extension of capture files: what `serve` names its rotated
// captures with and what the documentation uses. Readers go by the file's
// magic, not its name, so files with other extensions (.nfstrace and .cap
// from earlier versions) read the same.
const Ext = ".nft"
