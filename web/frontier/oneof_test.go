package frontier_test

import (
	"testing"

	fv1 "github.com/billd/billd/web/frontier/frontierv1beta1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
)

// frontierChangeRequest is Frontier's ChangeSubscriptionRequest as its proto declares it, with
// plan_change and phase_change in the oneof change, built at run time (in a package of its own,
// so that it does not clash with billd's).
func frontierChangeRequest(t *testing.T) protoreflect.MessageDescriptor {
	t.Helper()
	str, boolean, msg := descriptorpb.FieldDescriptorProto_TYPE_STRING.Enum(), descriptorpb.FieldDescriptorProto_TYPE_BOOL.Enum(),
		descriptorpb.FieldDescriptorProto_TYPE_MESSAGE.Enum()
	optional := descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum()
	field := func(name string, num int32, typ *descriptorpb.FieldDescriptorProto_Type, typeName string, oneof *int32) *descriptorpb.FieldDescriptorProto {
		f := &descriptorpb.FieldDescriptorProto{Name: proto.String(name), Number: proto.Int32(num), Type: typ, Label: optional, OneofIndex: oneof}
		if typeName != "" {
			f.TypeName = proto.String(typeName)
		}
		return f
	}
	change := proto.Int32(0)
	file := &descriptorpb.FileDescriptorProto{Name: proto.String("frontier_change.proto"), Package: proto.String("frontiercheck"),
		Syntax: proto.String("proto3"), MessageType: []*descriptorpb.DescriptorProto{{
			Name: proto.String("ChangeSubscriptionRequest"),
			Field: []*descriptorpb.FieldDescriptorProto{
				field("id", 3, str, "", nil), field("plan", 4, str, "", nil), field("immediate", 5, boolean, "", nil),
				field("plan_change", 6, msg, ".frontiercheck.ChangeSubscriptionRequest.PlanChange", change),
				field("phase_change", 7, msg, ".frontiercheck.ChangeSubscriptionRequest.PhaseChange", change),
			},
			NestedType: []*descriptorpb.DescriptorProto{
				{Name: proto.String("PlanChange"), Field: []*descriptorpb.FieldDescriptorProto{field("plan", 1, str, "", nil), field("immediate", 2, boolean, "", nil)}},
				{Name: proto.String("PhaseChange"), Field: []*descriptorpb.FieldDescriptorProto{field("cancel_upcoming_changes", 1, boolean, "", nil)}},
			},
			OneofDecl: []*descriptorpb.OneofDescriptorProto{{Name: proto.String("change")}},
		}}}
	fd, err := protodesc.NewFile(file, nil)
	if err != nil {
		t.Fatal(err)
	}
	return fd.Messages().ByName("ChangeSubscriptionRequest")
}

// TestChangeSubscriptionOneofWire checks that Frontier's oneof and billd's plain fields are the
// same on the wire, binary and JSON, both ways: a Frontier client's plan_change or phase_change
// reaches billd, and billd's encoding of either is Frontier's oneof case.
func TestChangeSubscriptionOneofWire(t *testing.T) {
	md := frontierChangeRequest(t)
	plan, phase := md.Fields().ByName("plan_change"), md.Fields().ByName("phase_change")
	planChange := dynamicpb.NewMessage(plan.Message())
	planChange.Set(plan.Message().Fields().ByName("plan"), protoreflect.ValueOfString("pro"))
	planChange.Set(plan.Message().Fields().ByName("immediate"), protoreflect.ValueOfBool(true))
	phaseChange := dynamicpb.NewMessage(phase.Message())
	phaseChange.Set(phase.Message().Fields().ByName("cancel_upcoming_changes"), protoreflect.ValueOfBool(true))

	for _, c := range []struct {
		name  string
		field protoreflect.FieldDescriptor
		value *dynamicpb.Message
		check func(*fv1.ChangeSubscriptionRequest) bool
	}{
		{"plan_change", plan, planChange, func(m *fv1.ChangeSubscriptionRequest) bool {
			return m.GetPlanChange().GetPlan() == "pro" && m.GetPlanChange().GetImmediate() && m.GetPhaseChange() == nil
		}},
		{"phase_change", phase, phaseChange, func(m *fv1.ChangeSubscriptionRequest) bool {
			return m.GetPhaseChange().GetCancelUpcomingChanges() && m.GetPlanChange() == nil
		}},
	} {
		frontier := dynamicpb.NewMessage(md)
		frontier.Set(md.Fields().ByName("id"), protoreflect.ValueOfString("sub"))
		frontier.Set(c.field, protoreflect.ValueOfMessage(c.value))
		bin, err := proto.Marshal(frontier)
		if err != nil {
			t.Fatal(err)
		}
		js, err := protojson.Marshal(frontier)
		if err != nil {
			t.Fatal(err)
		}
		for form, decode := range map[string]func(proto.Message) error{
			"binary": func(m proto.Message) error { return proto.Unmarshal(bin, m) },
			"JSON":   func(m proto.Message) error { return protojson.Unmarshal(js, m) },
		} {
			got := &fv1.ChangeSubscriptionRequest{}
			if err := decode(got); err != nil || got.GetId() != "sub" || !c.check(got) {
				t.Errorf("Frontier's %s in %s: billd reads %v (%v)", c.name, form, got, err)
			}
		}

		// billd's encoding, read as Frontier's: the oneof's case.
		billd := &fv1.ChangeSubscriptionRequest{}
		if err := proto.Unmarshal(bin, billd); err != nil {
			t.Fatal(err)
		}
		out, err := proto.Marshal(billd)
		if err != nil {
			t.Fatal(err)
		}
		back := dynamicpb.NewMessage(md)
		if err := proto.Unmarshal(out, back); err != nil {
			t.Fatal(err)
		}
		if which := back.WhichOneof(md.Oneofs().ByName("change")); which == nil || which.Name() != c.field.Name() {
			t.Errorf("billd's %s, read by Frontier: the oneof holds %v", c.name, which)
		}
	}
}
