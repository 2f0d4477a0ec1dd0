// Command render renders a Helm chart the way `helm template` does, without Helm: Go's text/template
// with sprig (the engine Helm uses), Helm's own template functions and .Files.Get that the chart needs, values merged
// over the chart's values.yaml and checked against values.schema.json (gojsonschema, as Helm 3 did).
//
// Usage: render <chart-dir> <release-name> <namespace> [values.yaml ...]
// Prints one JSON object: {"manifests": {"<template path>": "<rendered text>"}, "notes": "..."}.
// Exits 1 with the reason on stderr when the values fail the schema, a template fails, or `required`/`fail` fire.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig"
	"github.com/xeipuuv/gojsonschema"
	"gopkg.in/yaml.v3"
)

type chartMeta struct {
	Name        string `yaml:"name"`
	Version     string `yaml:"version"`
	AppVersion  string `yaml:"appVersion"`
	Description string `yaml:"description"`
	Type        string `yaml:"type"`
	KubeVersion string `yaml:"kubeVersion"`
}

// chartFiles is Helm's .Files, reduced to Get: a file of the chart by its path, "" when it is missing, as in
// Helm; templates/ is not readable through it, as in Helm.
type chartFiles struct{ dir string }

func (f chartFiles) Get(name string) string {
	clean := filepath.ToSlash(filepath.Clean(name))
	if filepath.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, "../") || strings.HasPrefix(clean, "templates/") {
		return ""
	}
	data, err := os.ReadFile(filepath.Join(f.dir, clean))
	if err != nil {
		return ""
	}
	return string(data)
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}

func readYAML(path string) map[string]interface{} {
	data, err := os.ReadFile(path)
	if err != nil {
		fail("read %s: %v", path, err)
	}
	out := map[string]interface{}{}
	if err := yaml.Unmarshal(data, &out); err != nil {
		fail("parse %s: %v", path, err)
	}
	return normalize(out).(map[string]interface{})
}

// normalize turns yaml.v3's map[interface{}]interface{} leftovers into JSON-compatible maps.
func normalize(v interface{}) interface{} {
	switch t := v.(type) {
	case map[string]interface{}:
		for k, child := range t {
			t[k] = normalize(child)
		}
		return t
	case map[interface{}]interface{}:
		out := map[string]interface{}{}
		for k, child := range t {
			out[fmt.Sprint(k)] = normalize(child)
		}
		return out
	case []interface{}:
		for i, child := range t {
			t[i] = normalize(child)
		}
		return t
	default:
		return v
	}
}

// coalesce merges src over dst as Helm does for user values: maps merge deeply, anything else replaces,
// and an explicit null deletes the default.
func coalesce(dst, src map[string]interface{}) map[string]interface{} {
	for k, sv := range src {
		if sv == nil {
			delete(dst, k)
			continue
		}
		sm, sIsMap := sv.(map[string]interface{})
		dm, dIsMap := dst[k].(map[string]interface{})
		if sIsMap && dIsMap {
			dst[k] = coalesce(dm, sm)
		} else {
			dst[k] = sv
		}
	}
	return dst
}

func toYAML(v interface{}) string {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return ""
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

func main() {
	if len(os.Args) < 4 {
		fail("usage: render <chart-dir> <release-name> <namespace> [values.yaml ...]")
	}
	chartDir, releaseName, namespace := os.Args[1], os.Args[2], os.Args[3]

	var meta chartMeta
	metaBytes, err := os.ReadFile(filepath.Join(chartDir, "Chart.yaml"))
	if err != nil {
		fail("read Chart.yaml: %v", err)
	}
	if err := yaml.Unmarshal(metaBytes, &meta); err != nil {
		fail("parse Chart.yaml: %v", err)
	}

	values := readYAML(filepath.Join(chartDir, "values.yaml"))
	for _, file := range os.Args[4:] {
		values = coalesce(values, readYAML(file))
	}

	if schema, err := os.ReadFile(filepath.Join(chartDir, "values.schema.json")); err == nil {
		result, err := gojsonschema.Validate(gojsonschema.NewBytesLoader(schema), gojsonschema.NewGoLoader(values))
		if err != nil {
			fail("values.schema.json: %v", err)
		}
		if !result.Valid() {
			var problems []string
			for _, e := range result.Errors() {
				problems = append(problems, "- "+e.String())
			}
			fail("values don't meet the specifications of the schema(s) in the following chart(s):\n%s:\n%s", meta.Name, strings.Join(problems, "\n"))
		}
	}

	files := map[string]string{}
	templatesDir := filepath.Join(chartDir, "templates")
	err = filepath.Walk(templatesDir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(chartDir, path)
		files[filepath.Join(meta.Name, rel)] = string(data)
		return nil
	})
	if err != nil {
		fail("read templates: %v", err)
	}

	root := template.New("gotpl").Option("missingkey=zero")
	funcs := sprig.TxtFuncMap()
	// Helm removes these from sprig: templates must not read the renderer's environment.
	delete(funcs, "env")
	delete(funcs, "expandenv")
	funcs["toYaml"] = toYAML
	funcs["fromYaml"] = func(s string) map[string]interface{} {
		out := map[string]interface{}{}
		if err := yaml.Unmarshal([]byte(s), &out); err != nil {
			out["Error"] = err.Error()
		}
		return normalize(out).(map[string]interface{})
	}
	funcs["toJson"] = func(v interface{}) string {
		data, _ := json.Marshal(v)
		return string(data)
	}
	funcs["required"] = func(msg string, v interface{}) (interface{}, error) {
		if v == nil {
			return nil, fmt.Errorf("%s", msg)
		}
		if s, ok := v.(string); ok && s == "" {
			return nil, fmt.Errorf("%s", msg)
		}
		return v, nil
	}
	funcs["fail"] = func(msg string) (string, error) { return "", fmt.Errorf("%s", msg) }
	funcs["include"] = func(name string, data interface{}) (string, error) {
		var buf bytes.Buffer
		if err := root.ExecuteTemplate(&buf, name, data); err != nil {
			return "", err
		}
		return buf.String(), nil
	}
	funcs["tpl"] = func(text string, data interface{}) (string, error) {
		t, err := root.Clone()
		if err != nil {
			return "", err
		}
		t, err = t.New("tpl").Parse(text)
		if err != nil {
			return "", err
		}
		var buf bytes.Buffer
		if err := t.Execute(&buf, data); err != nil {
			return "", err
		}
		return strings.ReplaceAll(buf.String(), "<no value>", ""), nil
	}
	root.Funcs(funcs)

	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if _, err := root.New(name).Parse(files[name]); err != nil {
			fail("parse %s: %v", name, err)
		}
	}

	appVersion := meta.AppVersion
	data := map[string]interface{}{
		"Values": values,
		"Release": map[string]interface{}{
			"Name": releaseName, "Namespace": namespace, "Service": "Helm",
			"IsInstall": true, "IsUpgrade": false, "Revision": 1,
		},
		"Chart": map[string]interface{}{
			"Name": meta.Name, "Version": meta.Version, "AppVersion": appVersion,
			"Description": meta.Description, "Type": meta.Type, "KubeVersion": meta.KubeVersion,
		},
		"Files": chartFiles{dir: chartDir},
		"Capabilities": map[string]interface{}{
			"KubeVersion": map[string]interface{}{"Version": "v1.30.0", "Major": "1", "Minor": "30", "GitVersion": "v1.30.0"},
		},
	}

	out := map[string]interface{}{"manifests": map[string]string{}, "notes": ""}
	manifests := out["manifests"].(map[string]string)
	for _, name := range names {
		base := filepath.Base(name)
		if strings.HasPrefix(base, "_") {
			continue
		}
		data["Template"] = map[string]interface{}{"Name": name, "BasePath": filepath.Join(meta.Name, "templates")}
		var buf bytes.Buffer
		if err := root.ExecuteTemplate(&buf, name, data); err != nil {
			fail("render %s: %v", name, err)
		}
		text := strings.ReplaceAll(buf.String(), "<no value>", "")
		if base == "NOTES.txt" {
			out["notes"] = text
		} else {
			manifests[name] = text
		}
	}
	encoded, _ := json.Marshal(out)
	os.Stdout.Write(encoded)
}
