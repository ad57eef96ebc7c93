// Command trivy-db writes a small fixture vulnerability DB for Trivy
// (DB schema version 2, the one Trivy 0.76 reads) so tests can run the real
// Trivy binary offline against known advisories.
//
// Output:
//
//	<out>/db/trivy.db       BoltDB
//	<out>/db/metadata.json  {"Version":2,"NextUpdate":...,"UpdatedAt":...,"DownloadedAt":...}
//
// Point Trivy at it with: trivy --cache-dir <out> image --skip-db-update ...
//
// BoltDB layout (as in github.com/aquasecurity/trivy-db pkg/db):
//
//	"trivy"          -> "metadata" -> "data" = metadata JSON (same as metadata.json, minus DownloadedAt)
//	"<platform>"     -> "<package>" -> "<vuln ID>" = Advisory JSON
//	                    e.g. "debian 12" -> "glibc" -> "CVE-..." = {"FixedVersion":"2.36-9+deb12u15"}
//	                    For Debian/Ubuntu the package is the SOURCE package
//	                    (glibc, not libc6); Trivy reports one finding per
//	                    installed binary package built from it.
//	                    Unfixed: no FixedVersion, "Status": 2 (affected; int enum:
//	                    0 unknown,1 not_affected,2 affected,3 fixed,4 under_investigation,
//	                    5 will_not_fix,6 fix_deferred,7 end_of_life).
//	"vulnerability"  -> "<vuln ID>" = {"Title","Description","Severity","VendorSeverity",
//	                    "References","PublishedDate","LastModifiedDate"}
//	                    VendorSeverity: {"debian": 4} (int: 0 UNKNOWN,1 LOW,2 MEDIUM,3 HIGH,4 CRITICAL);
//	                    Trivy picks the vendor of the matching data source first.
//	"data-source"    -> "<platform>" = {"ID":"debian","Name":"Debian Security Tracker","URL":...}
//
// Input (JSON, -in file or "-" for stdin):
//
//	{"advisories": [
//	  {"bucket": "debian 12", "package": "tar", "id": "CVE-2099-0001",
//	   "fixedVersion": "1.34+dfsg-1.2+deb12u2",        // omit => unfixed
//	   "status": "affected",                           // optional, for unfixed ones
//	   "vulnerableVersions": [">=1.0, <2.0"],          // language ecosystems only
//	   "patchedVersions": ["2.0"],                     // language ecosystems only
//	   "severity": "CRITICAL", "title": "...", "description": "...",
//	   "references": ["https://..."]}
//	 ],
//	 "dataSources": {"debian 12": {"ID": "debian", "Name": "...", "URL": "..."}}}  // optional
//
// Flags change the metadata, so tests can also make stale or old-schema DBs.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

type dataSource struct {
	ID   string `json:",omitempty"`
	Name string `json:",omitempty"`
	URL  string `json:",omitempty"`
}

type inputAdvisory struct {
	Bucket             string   `json:"bucket"`
	Package            string   `json:"package"`
	ID                 string   `json:"id"`
	FixedVersion       string   `json:"fixedVersion"`
	Status             string   `json:"status"`
	VulnerableVersions []string `json:"vulnerableVersions"`
	PatchedVersions    []string `json:"patchedVersions"`
	Severity           string   `json:"severity"`
	Title              string   `json:"title"`
	Description        string   `json:"description"`
	References         []string `json:"references"`
}

type input struct {
	Advisories  []inputAdvisory       `json:"advisories"`
	DataSources map[string]dataSource `json:"dataSources"`
}

// dbAdvisory mirrors trivy-db types.Advisory as stored (Status as int).
type dbAdvisory struct {
	FixedVersion       string   `json:",omitempty"`
	VulnerableVersions []string `json:",omitempty"`
	PatchedVersions    []string `json:",omitempty"`
	Status             int      `json:",omitempty"`
}

// dbVulnerability mirrors trivy-db types.Vulnerability.
type dbVulnerability struct {
	Title            string         `json:",omitempty"`
	Description      string         `json:",omitempty"`
	Severity         string         `json:",omitempty"`
	VendorSeverity   map[string]int `json:",omitempty"`
	References       []string       `json:",omitempty"`
	PublishedDate    *time.Time     `json:",omitempty"`
	LastModifiedDate *time.Time     `json:",omitempty"`
}

type metadata struct {
	Version      int
	NextUpdate   time.Time
	UpdatedAt    time.Time
	DownloadedAt time.Time `json:",omitzero"`
}

var severities = []string{"UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL"}

var statuses = []string{"unknown", "not_affected", "affected", "fixed", "under_investigation",
	"will_not_fix", "fix_deferred", "end_of_life"}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

// defaultDataSource knows the platforms the fixtures use; others need "dataSources".
func defaultDataSource(bucket string) (dataSource, bool) {
	switch {
	case strings.HasPrefix(bucket, "debian "):
		return dataSource{ID: "debian", Name: "Debian Security Tracker", URL: "https://salsa.debian.org/security-tracker-team/security-tracker"}, true
	case strings.HasPrefix(bucket, "ubuntu "):
		return dataSource{ID: "ubuntu", Name: "Ubuntu CVE Tracker", URL: "https://git.launchpad.net/ubuntu-cve-tracker"}, true
	case strings.HasPrefix(bucket, "alpine "):
		return dataSource{ID: "alpine", Name: "Alpine Secdb", URL: "https://secdb.alpinelinux.org/"}, true
	case strings.Contains(bucket, "::GitHub Security Advisory"):
		return dataSource{ID: "ghsa", Name: strings.SplitN(bucket, "::", 2)[1], URL: "https://github.com/advisories"}, true
	}
	return dataSource{}, false
}

func validate(in *input) error {
	if len(in.Advisories) == 0 {
		return errors.New("input has no advisories")
	}
	seen := map[string]bool{}
	for i, a := range in.Advisories {
		where := fmt.Sprintf("advisories[%d] (%s)", i, a.ID)
		if a.Bucket == "" || a.Package == "" || a.ID == "" {
			return fmt.Errorf("%s: bucket, package and id are required", where)
		}
		if indexOf(severities, a.Severity) < 0 {
			return fmt.Errorf("%s: severity %q is not one of %s", where, a.Severity, strings.Join(severities, ", "))
		}
		if a.Status != "" && indexOf(statuses, a.Status) < 0 {
			return fmt.Errorf("%s: status %q is not one of %s", where, a.Status, strings.Join(statuses, ", "))
		}
		key := a.Bucket + "\x00" + a.Package + "\x00" + a.ID
		if seen[key] {
			return fmt.Errorf("%s: duplicate advisory for %s/%s", where, a.Bucket, a.Package)
		}
		seen[key] = true
	}
	return nil
}

func putJSON(b *bolt.Bucket, key string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put([]byte(key), data)
}

func nestedBucket(tx *bolt.Tx, names ...string) (*bolt.Bucket, error) {
	b, err := tx.CreateBucketIfNotExists([]byte(names[0]))
	if err != nil {
		return nil, fmt.Errorf("bucket %q: %w", names[0], err)
	}
	for _, n := range names[1:] {
		if b, err = b.CreateBucketIfNotExists([]byte(n)); err != nil {
			return nil, fmt.Errorf("bucket %q: %w", n, err)
		}
	}
	return b, nil
}

func write(in *input, outDir string, meta metadata) error {
	dbDir := filepath.Join(outDir, "db")
	if err := os.MkdirAll(dbDir, 0o755); err != nil {
		return err
	}
	dbPath := filepath.Join(dbDir, "trivy.db")
	tmp := dbPath + ".tmp"
	_ = os.Remove(tmp)
	db, err := bolt.Open(tmp, 0o644, &bolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		return fmt.Errorf("open %s: %w", tmp, err)
	}
	published := meta.UpdatedAt.Add(-24 * time.Hour).UTC().Truncate(time.Second)
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := nestedBucket(tx, "trivy", "metadata")
		if err != nil {
			return err
		}
		if err := putJSON(b, "data", metadata{Version: meta.Version, NextUpdate: meta.NextUpdate, UpdatedAt: meta.UpdatedAt}); err != nil {
			return err
		}
		sources := map[string]dataSource{}
		vulns := map[string]*dbVulnerability{}
		for _, a := range in.Advisories {
			if ds, ok := in.DataSources[a.Bucket]; ok {
				sources[a.Bucket] = ds
			} else if ds, ok := defaultDataSource(a.Bucket); ok {
				sources[a.Bucket] = ds
			}
			adv := dbAdvisory{FixedVersion: a.FixedVersion, VulnerableVersions: a.VulnerableVersions, PatchedVersions: a.PatchedVersions}
			if a.Status != "" {
				adv.Status = indexOf(statuses, a.Status)
			} else if a.FixedVersion == "" && len(a.PatchedVersions) == 0 && len(a.VulnerableVersions) == 0 {
				adv.Status = indexOf(statuses, "affected")
			}
			pb, err := nestedBucket(tx, a.Bucket, a.Package)
			if err != nil {
				return err
			}
			if err := putJSON(pb, a.ID, adv); err != nil {
				return err
			}
			v, ok := vulns[a.ID]
			if !ok {
				v = &dbVulnerability{
					Title:            a.Title,
					Description:      a.Description,
					Severity:         a.Severity,
					VendorSeverity:   map[string]int{},
					References:       a.References,
					PublishedDate:    &published,
					LastModifiedDate: &published,
				}
				if v.Title == "" {
					v.Title = fmt.Sprintf("%s: fixture vulnerability in %s", a.ID, a.Package)
				}
				if v.Description == "" {
					v.Description = "Fixture advisory written by dockyard test/tools/trivy-db; not a real vulnerability."
				}
				vulns[a.ID] = v
			} else if indexOf(severities, a.Severity) > indexOf(severities, v.Severity) {
				v.Severity = a.Severity
			}
			if ds, ok := sources[a.Bucket]; ok {
				v.VendorSeverity[ds.ID] = indexOf(severities, a.Severity)
			}
		}
		vb, err := tx.CreateBucketIfNotExists([]byte("vulnerability"))
		if err != nil {
			return err
		}
		for id, v := range vulns {
			if err := putJSON(vb, id, v); err != nil {
				return err
			}
		}
		if len(sources) > 0 {
			dsb, err := tx.CreateBucketIfNotExists([]byte("data-source"))
			if err != nil {
				return err
			}
			for bucket, ds := range sources {
				if err := putJSON(dsb, bucket, ds); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("write %s: %w", dbPath, err)
	}
	if err := os.Rename(tmp, dbPath); err != nil {
		return err
	}
	mj, err := json.Marshal(meta)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dbDir, "metadata.json"), mj, 0o644)
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("trivy-db", flag.ContinueOnError)
	inPath := fs.String("in", "", "advisories JSON file (\"-\" for stdin); required")
	outDir := fs.String("out", "", "Trivy cache dir to write <out>/db/{trivy.db,metadata.json} into; required")
	schema := fs.Int("schema-version", 2, "DB schema version written to the metadata (Trivy 0.76 wants 2)")
	nextUpdate := fs.Duration("next-update", 10*365*24*time.Hour, "NextUpdate = now + this (negative makes a stale DB)")
	updatedAgo := fs.Duration("updated-ago", 0, "UpdatedAt = now - this")
	downloadedAgo := fs.Duration("downloaded-ago", 0, "DownloadedAt = now - this")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *inPath == "" || *outDir == "" {
		fs.Usage()
		return errors.New("-in and -out are required")
	}
	var raw []byte
	var err error
	if *inPath == "-" {
		raw, err = io.ReadAll(os.Stdin)
	} else {
		raw, err = os.ReadFile(*inPath)
	}
	if err != nil {
		return fmt.Errorf("read input: %w", err)
	}
	var in input
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return fmt.Errorf("parse %s: %w", *inPath, err)
	}
	if err := validate(&in); err != nil {
		return err
	}
	now := time.Now().UTC().Truncate(time.Second)
	meta := metadata{
		Version:      *schema,
		NextUpdate:   now.Add(*nextUpdate),
		UpdatedAt:    now.Add(-*updatedAgo),
		DownloadedAt: now.Add(-*downloadedAgo),
	}
	if err := write(&in, *outDir, meta); err != nil {
		return err
	}
	ids := make([]string, 0, len(in.Advisories))
	for _, a := range in.Advisories {
		ids = append(ids, fmt.Sprintf("%s %s/%s %s", a.ID, a.Bucket, a.Package, a.Severity))
	}
	sort.Strings(ids)
	fmt.Fprintf(stdout, "wrote %s (schema %d, next update %s) with %d advisories:\n  %s\n",
		filepath.Join(*outDir, "db", "trivy.db"), meta.Version, meta.NextUpdate.Format(time.RFC3339),
		len(in.Advisories), strings.Join(ids, "\n  "))
	return nil
}

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "trivy-db:", err)
		os.Exit(1)
	}
}
