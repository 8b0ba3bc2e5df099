package web

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The OpenAPI document, as far as the reference page reads it.
type (
	oaDoc struct {
		Info struct {
			Title, Version, Description string
		}
		Tags       []struct{ Name, Description string }
		Paths      yaml.Node
		Components struct {
			Parameters map[string]oaParam
			Responses  map[string]oaResponse
			Schemas    yaml.Node
		}
	}
	oaOp struct {
		Tags        []string
		OperationID string `yaml:"operationId"`
		Summary     string
		Description string
		Security    *[]map[string][]string
		Parameters  []oaParam
		RequestBody *oaResponse `yaml:"requestBody"`
		Responses   yaml.Node
	}
	oaParam struct {
		Ref         string `yaml:"$ref"`
		Name, In    string
		Description string
		Required    bool
		Schema      oaSchema
	}
	// oaResponse is a response or a request body.
	oaResponse struct {
		Ref         string `yaml:"$ref"`
		Description string
		Content     map[string]struct{ Schema oaSchema }
	}
	oaSchema struct {
		Ref         string `yaml:"$ref"`
		Type        string
		Format      string
		Description string
		Items       *oaSchema
		AllOf       []oaSchema `yaml:"allOf"`
		Required    []string
		Properties  yaml.Node
	}
)

// The page's model.
type (
	docPage struct {
		Title, Version, Description string
		Tags                        []docTag
		Schemas                     []docSchema
	}
	docTag struct {
		Name, Anchor, Description string
		Ops                       []docOp
	}
	docOp struct {
		ID, Method, Path, Summary, Description string
		Public                                 bool
		Params                                 []docParam
		Request                                *docType
		Responses                              []docResponse
	}
	docParam struct {
		Name, In, Description string
		Required              bool
		Type                  docType
	}
	docResponse struct {
		Status, Description string
		Type                *docType
	}
	// docType is a schema as the page names it: a type, or a link to a named schema.
	docType   struct{ Label, Schema string }
	docSchema struct {
		Name, Description string
		Props             []docProp
	}
	docProp struct {
		Name, Description string
		Required          bool
		Type              docType
	}
)

// httpMethods are the operation keys of a path item.
var httpMethods = []string{"get", "put", "post", "delete", "patch", "head", "options", "trace"}

//go:embed apidocs.html
var apiPageHTML string

// apiPageTemplate renders docPage; descriptions are markdown.
var apiPageTemplate = template.Must(template.New("docs").Funcs(template.FuncMap{"md": markdown}).Parse(apiPageHTML))

// codeSpans escapes s and sets its `backquoted` spans as code.
func codeSpans(s string) template.HTML {
	var b strings.Builder
	for i, part := range strings.Split(s, "`") {
		if i%2 == 1 {
			b.WriteString("<code>" + template.HTMLEscapeString(part) + "</code>")
		} else {
			b.WriteString(template.HTMLEscapeString(part))
		}
	}
	return template.HTML(b.String())
}

// renderAPIPage renders the reference page of the OpenAPI document root.
func renderAPIPage(root *yaml.Node) ([]byte, error) {
	var d oaDoc
	if err := root.Decode(&d); err != nil {
		return nil, err
	}
	page, err := d.page()
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := apiPageTemplate.Execute(&out, page); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// page builds the page's model: the tags in the document's order, each with its operations in
// the order of the paths, then the schemas.
func (d *oaDoc) page() (*docPage, error) {
	p := &docPage{Title: d.Info.Title, Version: d.Info.Version, Description: d.Info.Description}
	tags := map[string]int{}
	for _, t := range d.Tags {
		tags[t.Name] = len(p.Tags)
		p.Tags = append(p.Tags, docTag{Name: t.Name, Anchor: "tag-" + anchor(t.Name), Description: t.Description})
	}
	err := eachPair(&d.Paths, func(path string, item *yaml.Node) error {
		return d.pathItem(p, tags, path, item)
	})
	if err != nil {
		return nil, err
	}
	err = eachPair(&d.Components.Schemas, func(name string, n *yaml.Node) error {
		s, err := schemaOf(name, n)
		p.Schemas = append(p.Schemas, s)
		return err
	})
	return p, err
}

// pathItem adds the operations of one path item to their tags' sections.
func (d *oaDoc) pathItem(p *docPage, tags map[string]int, path string, item *yaml.Node) error {
	var shared []oaParam
	return eachPair(item, func(key string, n *yaml.Node) error {
		if key == "parameters" {
			return n.Decode(&shared)
		}
		if !slices.Contains(httpMethods, key) {
			return nil
		}
		var op oaOp
		if err := n.Decode(&op); err != nil {
			return err
		}
		o, err := d.operation(strings.ToUpper(key), path, &op, shared)
		if err != nil {
			return err
		}
		tag := "Other"
		if len(op.Tags) > 0 {
			tag = op.Tags[0]
		}
		i, ok := tags[tag]
		if !ok {
			i, tags[tag] = len(p.Tags), len(p.Tags)
			p.Tags = append(p.Tags, docTag{Name: tag, Anchor: "tag-" + anchor(tag)})
		}
		p.Tags[i].Ops = append(p.Tags[i].Ops, o)
		return nil
	})
}

// operation builds one operation's entry; shared are its path item's parameters.
func (d *oaDoc) operation(method, path string, op *oaOp, shared []oaParam) (docOp, error) {
	o := docOp{ID: op.OperationID, Method: method, Path: path, Summary: op.Summary, Description: op.Description,
		Public: op.Security != nil && len(*op.Security) == 0}
	for _, prm := range append(slices.Clone(shared), op.Parameters...) {
		if prm.Ref != "" {
			resolved, ok := d.Components.Parameters[refName(prm.Ref)]
			if !ok {
				return o, fmt.Errorf("%s %s: no parameter %s", method, path, prm.Ref)
			}
			prm = resolved
		}
		o.Params = append(o.Params, docParam{Name: prm.Name, In: prm.In, Description: prm.Description, Required: prm.Required, Type: typeOf(prm.Schema)})
	}
	if op.RequestBody != nil {
		o.Request = contentType(op.RequestBody)
	}
	err := eachPair(&op.Responses, func(status string, n *yaml.Node) error {
		var r oaResponse
		if err := n.Decode(&r); err != nil {
			return err
		}
		if r.Ref != "" {
			resolved, ok := d.Components.Responses[refName(r.Ref)]
			if !ok {
				return fmt.Errorf("%s %s: no response %s", method, path, r.Ref)
			}
			r = resolved
		}
		o.Responses = append(o.Responses, docResponse{Status: status, Description: r.Description, Type: contentType(&r)})
		return nil
	})
	return o, err
}

// contentType is the schema of a response's or request body's JSON content; nil if it has none.
func contentType(r *oaResponse) *docType {
	c, ok := r.Content["application/json"]
	if !ok {
		return nil
	}
	t := typeOf(c.Schema)
	return &t
}

// typeOf names a schema: a link to the named schema it refers to, or its type.
func typeOf(s oaSchema) docType {
	switch {
	case s.Ref != "":
		return docType{Label: refName(s.Ref), Schema: refName(s.Ref)}
	case len(s.AllOf) == 1:
		return typeOf(s.AllOf[0])
	case s.Type == "array" && s.Items != nil:
		t := typeOf(*s.Items)
		t.Label = "array of " + t.Label
		return t
	case s.Format != "":
		return docType{Label: s.Type + " (" + s.Format + ")"}
	case s.Type == "":
		return docType{Label: "any"}
	}
	return docType{Label: s.Type}
}

// schemaOf builds the entry of the named schema n.
func schemaOf(name string, n *yaml.Node) (docSchema, error) {
	var s oaSchema
	if err := n.Decode(&s); err != nil {
		return docSchema{}, err
	}
	out := docSchema{Name: name, Description: s.Description}
	if s.Description == "" && s.Type != "object" {
		out.Description = "A " + typeOf(s).Label + "."
	}
	err := eachPair(&s.Properties, func(prop string, pn *yaml.Node) error {
		var ps oaSchema
		if err := pn.Decode(&ps); err != nil {
			return err
		}
		out.Props = append(out.Props, docProp{Name: prop, Description: ps.Description, Required: slices.Contains(s.Required, prop), Type: typeOf(ps)})
		return nil
	})
	return out, err
}

// eachPair calls fn with each key and value of the mapping n, in order; a node that is not set
// has none.
func eachPair(n *yaml.Node, fn func(key string, value *yaml.Node) error) error {
	if n.Kind == 0 {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: not a mapping", n.Line)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if err := fn(n.Content[i].Value, n.Content[i+1]); err != nil {
			return err
		}
	}
	return nil
}

// refName is the last segment of a local reference: "Status" of "#/components/schemas/Status".
func refName(ref string) string { return ref[strings.LastIndexByte(ref, '/')+1:] }

// anchor makes an HTML id of a name: lowercase letters and digits, other runs as one dash.
func anchor(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if ('a' <= r && r <= 'z') || ('0' <= r && r <= '9') {
			b.WriteRune(r)
			dash = false
		} else if !dash {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.Trim(b.String(), "-")
}
