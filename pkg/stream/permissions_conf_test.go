package stream_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/faxpipe/faxpipe/pkg/stream"
)

var update = flag.Bool("update", false, "rewrite deploy/nats/permissions.conf and nsc-users.sh from permissions.go")

// TestPermissionsFilesAreGenerated: the NATS users of deploy/nats, for a
// server with a users list (permissions.conf) and for an operator-mode
// cluster (nsc-users.sh), are what permissions.go gives. Rewrite them with
//
//	go test ./pkg/stream -run TestPermissionsFilesAreGenerated -update
func TestPermissionsFilesAreGenerated(t *testing.T) {
	for path, want := range map[string]string{
		"../../deploy/nats/permissions.conf": permissionsConf(),
		"../../deploy/nats/nsc-users.sh":     nscUsers(),
	} {
		if *update {
			if err := os.WriteFile(path, []byte(want), 0o644); err != nil { //nolint:gosec // a checked-in, world-readable file
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != want {
			t.Errorf("%s differs from pkg/stream/permissions.go: run go test ./pkg/stream -run TestPermissionsFilesAreGenerated -update", path)
		}
	}
}

const generated = "# GENERATED from pkg/stream/permissions.go by\n" +
	"#   go test ./pkg/stream -run TestPermissionsFilesAreGenerated -update\n" +
	"# Do not edit: change permissions.go and generate again.\n"

// permissionsConf is an authorization block of nats-server's configuration:
// one user per role, faxpipe-<role>, its password from the server's
// environment (FAXPIPE_NATS_<ROLE>_PASSWORD).
func permissionsConf() string {
	var b strings.Builder
	b.WriteString(generated + `#
# faxpipe's NATS users, one per role (README, "NATS users and permissions"),
# for a nats-server with a users list: include it in the server's
# configuration (include ./permissions.conf). Each password comes from the
# server's environment, FAXPIPE_NATS_<ROLE>_PASSWORD (a Kubernetes Secret);
# the server refuses to start when one is missing. A bcrypt hash
# (nats server passwd) works in its place. Add a user per downstream
# application by copying the consumer's entry under another name.

authorization {
  users: [
`)
	for _, r := range stream.Roles {
		p := r.Permissions()
		fmt.Fprintf(&b, "    {\n      user: %s\n      password: $FAXPIPE_NATS_%s_PASSWORD\n      permissions: {\n",
			"faxpipe-"+string(r), strings.ToUpper(string(r)))
		writeSubjects(&b, "publish", p.Publish)
		writeSubjects(&b, "subscribe", p.Subscribe)
		b.WriteString("      }\n    }\n")
	}
	b.WriteString("  ]\n}\n")
	return b.String()
}

func writeSubjects(b *strings.Builder, name string, s stream.Subjects) {
	fmt.Fprintf(b, "        %s: {\n", name)
	for _, l := range []struct {
		key  string
		subs []string
	}{{"allow", s.Allow}, {"deny", s.Deny}} {
		if len(l.subs) == 0 {
			continue
		}
		fmt.Fprintf(b, "          %s: [\n", l.key)
		for _, sub := range l.subs {
			fmt.Fprintf(b, "            %q\n", sub)
		}
		b.WriteString("          ]\n")
	}
	b.WriteString("        }\n")
}

// nscUsers is a shell script that adds one user per role to an nsc
// account and writes each user's credentials file.
func nscUsers() string {
	var b strings.Builder
	b.WriteString("#!/bin/sh\n" + generated + `#
# faxpipe's NATS users, one per role (README, "NATS users and permissions"),
# for an operator-mode cluster (deploy/nats/values.yaml): adds each to the
# nsc account $ACCOUNT (default FAXPIPE) with its permissions and writes its
# credentials to faxpipe-<role>.creds in the current directory.
set -eu
ACCOUNT="${ACCOUNT:-FAXPIPE}"
`)
	for _, r := range stream.Roles {
		p := r.Permissions()
		user := "faxpipe-" + string(r)
		fmt.Fprintf(&b, "\n# %s\nnsc add user --account \"$ACCOUNT\" --name %s", r, user)
		for _, l := range []struct {
			flag string
			subs []string
		}{{"--allow-pub", p.Publish.Allow}, {"--deny-pub", p.Publish.Deny}, {"--allow-sub", p.Subscribe.Allow}, {"--deny-sub", p.Subscribe.Deny}} {
			for _, s := range l.subs {
				fmt.Fprintf(&b, " \\\n  %s '%s'", l.flag, s)
			}
		}
		fmt.Fprintf(&b, "\nnsc generate creds --account \"$ACCOUNT\" --name %s > %s.creds\n", user, user)
	}
	return b.String()
}

// TestPermissionsConfParses: nats-server reads deploy/nats/permissions.conf
// into exactly the users and permissions of permissions.go, each password
// from its environment variable.
func TestPermissionsConfParses(t *testing.T) {
	dir := t.TempDir()
	conf, err := os.ReadFile("../../deploy/nats/permissions.conf")
	if err != nil {
		t.Fatal(err)
	}
	main := "listen: 127.0.0.1:-1\ninclude ./permissions.conf\n"
	for name, data := range map[string]string{"permissions.conf": string(conf), "server.conf": main} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range stream.Roles {
		t.Setenv("FAXPIPE_NATS_"+strings.ToUpper(string(r))+"_PASSWORD", password(r))
	}
	opts, err := server.ProcessConfigFile(filepath.Join(dir, "server.conf"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(opts.Users), len(stream.Roles); got != want {
		t.Fatalf("%d users, want %d", got, want)
	}
	for i, r := range stream.Roles {
		u := opts.Users[i]
		if u.Username != "faxpipe-"+string(r) || u.Password != password(r) {
			t.Errorf("user %d: %s with password from env %v, want faxpipe-%s", i, u.Username, u.Password == password(r), r)
		}
		if got, want := u.Permissions, r.Permissions().Server(); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: permissions %+v %+v, want %+v %+v", r, got.Publish, got.Subscribe, want.Publish, want.Subscribe)
		}
	}
}
