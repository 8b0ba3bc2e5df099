package frontier

//go:generate sh ../../scripts/protogen.sh
