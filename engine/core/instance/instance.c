/* Crisis instances: creation, copies, lookups and the names of their enumerations. */
#include "core/instance/instance.h"

#include <stdlib.h>
#include <string.h>

#include "core/base/alloc.h"

tc_instance *tc_instance_new(const tc_playbook *playbook)
{
    tc_instance *inst = tc_xcalloc(1, sizeof *inst);
    inst->state_count = playbook->state_count;
    /* tc_xcalloc takes a count of 0 (a playbook of no parties). */
    inst->visits = tc_xcalloc(playbook->state_count, sizeof *inst->visits);
    inst->inputs = json_object();
    inst->data = json_object();
    inst->tallies = json_object();
    inst->parties = tc_xcalloc(playbook->party_count, sizeof *inst->parties);
    return inst;
}

static void seat_free(tc_seat *s)
{
    free(s->vote_by);
    free(s->reason);
    free(s->outcome);
    free(s->done_by);
    free(s->acked_by);
}

void tc_activation_clear(tc_activation *a)
{
    for (size_t i = 0; i < a->seat_count; i++)
        seat_free(&a->seats[i]);
    free(a->seats);
    for (size_t i = 0; i < a->branch_count; i++)
        free(a->branch_outcomes[i]);
    free(a->branch_outcomes);
    memset(a, 0, sizeof *a);
}

void tc_instance_free(tc_instance *inst)
{
    if (inst == NULL)
        return;
    for (size_t i = 0; i < inst->active_count; i++)
        tc_activation_clear(&inst->active[i]);
    free(inst->active);
    free(inst->outcome);
    free(inst->parties);
    free(inst->initiator);
    free(inst->initiator_login);
    free(inst->title);
    json_decref(inst->inputs);
    json_decref(inst->data);
    json_decref(inst->tallies);
    free(inst->visits);
    free(inst);
}

tc_instance *tc_instance_copy(const tc_playbook *playbook, const tc_instance *instance)
{
    tc_instance *copy = NULL; /* stays NULL when either step fails: from_json writes it only on success */
    json_t *json = tc_instance_to_json(playbook, instance);
    if (json != NULL)
        tc_instance_from_json(playbook, json, &copy, NULL);
    json_decref(json);
    return copy;
}

tc_activation *tc_instance_activation(const tc_instance *instance, int state)
{
    for (size_t i = 0; i < instance->active_count; i++)
        if (instance->active[i].state == state)
            return &instance->active[i];
    return NULL;
}

const char *tc_status_name(tc_status status)
{
    static const char *const names[] = {"active", "closed", "cancelled"};
    return (unsigned)status < 3 ? names[status] : "?";
}

static const char *const vote_names[] = {"none", "approve", "reject", "abstain"};

const char *tc_vote_name(tc_vote vote)
{
    return (unsigned)vote < 4 ? vote_names[vote] : "?";
}

int tc_vote_parse(const char *word)
{
    for (int i = 1; i < 4; i++)
        if (word != NULL && strcmp(word, vote_names[i]) == 0)
            return i;
    return -1;
}
