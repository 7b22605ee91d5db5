package importer

import (
	"strings"

	"mila/internal/membership"
)

// column is one mapped column of the file, resolved against the fields.
type column struct {
	index      int
	header     string
	target     string
	field      *membership.CustomField // custom targets
	dateFormat string                  // date targets
	isDate     bool
	isBool     bool
	yes, no    []string // yes/no targets: the column's own words
}

// plan is a mapping resolved against a file's header and the fields.
type plan struct {
	columns  []column
	byTarget map[string]*column
	fields   []membership.CustomField
	bySlug   map[string]*membership.CustomField
	opts     Options
}

// newPlan checks m against the header and the custom fields: every
// target exists, none is used twice, names are mapped where members are
// created, and the match key's columns are mapped.
func newPlan(header []string, m Mapping, o Options, fields []membership.CustomField) (*plan, error) {
	o, err := o.resolve(fields)
	if err != nil {
		return nil, err
	}
	p := &plan{byTarget: map[string]*column{}, fields: fields, bySlug: map[string]*membership.CustomField{}, opts: o}
	for i := range fields {
		p.bySlug[fields[i].Slug] = &fields[i]
	}
	core := map[string]bool{}
	for _, c := range CoreFields {
		core[c] = true
	}
	for i, h := range header {
		cm := m.Target(h)
		if cm.Target == TargetIgnore {
			continue
		}
		c := column{index: i, header: strings.TrimSpace(h), target: cm.Target, dateFormat: cm.DateFormat}
		switch {
		case core[cm.Target]:
			c.isDate = cm.Target == "join_date" || cm.Target == "exit_date"
		case cm.Target == TargetGroups:
		case strings.HasPrefix(cm.Target, customPrefix):
			f, ok := p.bySlug[strings.TrimPrefix(cm.Target, customPrefix)]
			if !ok {
				return nil, newErr(MsgUnknownTarget, map[string]any{"Header": c.header, "Target": cm.Target})
			}
			c.field = f
			c.isDate = f.ValueType == membership.CustomFieldDate
			c.isBool = f.ValueType == membership.CustomFieldBoolean
		default:
			return nil, newErr(MsgUnknownTarget, map[string]any{"Header": c.header, "Target": cm.Target})
		}
		if c.isDate {
			switch c.dateFormat {
			case "":
				c.dateFormat = DateAuto
			case DateAuto, DateISO, DateDMY, DateMDY, DateSerial:
			default:
				return nil, newErr(MsgBadOption, map[string]any{"Option": "date format", "Value": c.dateFormat})
			}
		}
		if c.isBool {
			if len(cm.Yes) > MaxYesNoChars || len(cm.No) > MaxYesNoChars {
				return nil, newErr(MsgBadOption, map[string]any{"Option": "yes/no words", "Value": c.header})
			}
			c.yes, c.no = words(cm.Yes), words(cm.No)
			for _, y := range c.yes {
				for _, n := range c.no {
					if y == n {
						return nil, newErr(MsgBadOption, map[string]any{"Option": "yes/no words", "Value": y})
					}
				}
			}
		}
		if _, dup := p.byTarget[c.target]; dup {
			return nil, newErr(MsgTargetTwice, map[string]any{"Target": c.target})
		}
		p.columns = append(p.columns, c)
		p.byTarget[c.target] = &p.columns[len(p.columns)-1]
	}
	// byTarget points into columns; rebuild it now that the slice is final.
	for i := range p.columns {
		p.byTarget[p.columns[i].target] = &p.columns[i]
	}
	if o.Mode != ModeUpdate && (p.byTarget["first_name"] == nil || p.byTarget["last_name"] == nil) {
		return nil, newErr(MsgNameUnmapped, nil)
	}
	for _, t := range o.matchTargets() {
		if p.byTarget[t] == nil {
			return nil, newErr(MsgMatchUnmapped, map[string]any{"Match": o.Match})
		}
	}
	return p, nil
}

// headerOf returns the heading of the column mapped to target, or "".
func (p *plan) headerOf(target string) string {
	if c := p.byTarget[target]; c != nil {
		return c.header
	}
	return ""
}
